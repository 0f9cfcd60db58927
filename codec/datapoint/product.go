package datapoint

import (
	"encoding/json"
)

// Product is a product datapoint definition as served by Gizwits'
// GET /app/datapoint (notes §4). Unknown keys, such as the phone UI hints
// under "ui", are ignored.
type Product struct {
	Name          string   `json:"name"`
	ProductKey    string   `json:"product_key"`
	ProtocolType  string   `json:"protocolType"`  // "standard" (fixed length) or "var_len"
	PacketVersion string   `json:"packetVersion"` // "0x00000004"; informational
	Entities      []Entity `json:"entities"`
}

// Entity groups the datapoints. Products have exactly one, "entity0".
type Entity struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Attrs       []Attr `json:"attrs"`
}

// Attr is one datapoint as written in the definition. Compile turns it
// into a [Field].
type Attr struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"` // identifier used in JSON APIs
	DisplayName string    `json:"display_name"`
	Desc        string    `json:"desc"`
	DataType    string    `json:"data_type"` // bool, enum, uint8, uint16, uint32, binary
	Type        string    `json:"type"`      // status_writable, status_readonly, alert, fault
	Position    Position  `json:"position"`
	UintSpec    *UintSpec `json:"uint_spec,omitempty"`
	Enum        []string  `json:"enum,omitempty"`
}

// Position is where a datapoint sits in a fixed-length status block. For
// var_len products only Len and Unit matter.
type Position struct {
	ByteOffset int    `json:"byte_offset"`
	BitOffset  int    `json:"bit_offset"`
	Len        int    `json:"len"`
	Unit       string `json:"unit"` // "bit" or "byte"
}

// UintSpec gives a number's raw range and its scaling: the value shown to
// users is y = Ratio*x + Addition where x is the raw wire value.
type UintSpec struct {
	Min      int64   `json:"min"`
	Max      int64   `json:"max"`
	Ratio    float64 `json:"ratio"`
	Addition float64 `json:"addition"`
}

// Protocol types.
const (
	ProtocolStandard = "standard" // fixed-length status block
	ProtocolVarLen   = "var_len"  // only flagged datapoints are sent
)

// ParseProduct decodes a product definition and checks its shape: valid
// JSON, a known protocolType, exactly one entity holding at least one attr.
// Per-attr checks (types, sizes, layout) are left to Compile, which a
// hand-built Product goes through as well.
func ParseProduct(data []byte) (*Product, error) {
	var p Product
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, &SchemaError{Index: -1, Reason: "not a JSON product definition", Err: err}
	}
	if err := p.checkShape(); err != nil {
		return nil, err
	}
	return &p, nil
}

// checkShape validates what ParseProduct promises.
func (p *Product) checkShape() error {
	switch {
	case p.ProtocolType != ProtocolStandard && p.ProtocolType != ProtocolVarLen:
		return &SchemaError{Index: -1, Reason: `protocolType must be "standard" or "var_len", got "` + p.ProtocolType + `"`}
	case len(p.Entities) == 0:
		return &SchemaError{Index: -1, Reason: "no entities"}
	case len(p.Entities) > 1:
		// Every Gizwits product has one entity; guessing how several would
		// share one status block is worse than refusing.
		return &SchemaError{Index: -1, Reason: "more than one entity"}
	case len(p.Entities[0].Attrs) == 0:
		return &SchemaError{Index: -1, Reason: "entity has no attrs"}
	}
	return nil
}
