package gizapp

import (
	"context"
	"errors"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// deviceObject is the device of bind_mac, bindings and devices/{did}. Every
// key is always present: pyGizwits and ha-bestway index product_name,
// protoc, the version keys and more without defaults and crash on a missing
// one (notes §5.2), and the JS SDKs build ws/wss URLs from ws_port and
// wss_port, so those are never null. What Switchboard does not know is ""
// (strings), 0 or false.
type deviceObject struct {
	ProductKey  string   `json:"product_key"`
	DID         string   `json:"did"`
	MAC         string   `json:"mac"`
	IsOnline    bool     `json:"is_online"`
	Passcode    string   `json:"passcode"`
	Host        string   `json:"host"`
	Port        int      `json:"port"`
	PortS       int      `json:"port_s"`
	WSPort      int      `json:"ws_port"`
	WSSPort     int      `json:"wss_port"`
	Remark      string   `json:"remark"`
	IsDisabled  bool     `json:"is_disabled"`
	Type        string   `json:"type"`
	DevAlias    string   `json:"dev_alias"`
	DevLabel    []string `json:"dev_label"`
	Role        string   `json:"role"`
	ProtoVer    string   `json:"proto_ver"`
	IsSandbox   bool     `json:"is_sandbox"`
	Protoc      int      `json:"protoc"`
	ProductName string   `json:"product_name"`
	GwDID       string   `json:"gw_did"`
	MeshID      string   `json:"mesh_id"`
	IsLowPower  bool     `json:"is_low_power"`
	// SleepDuration is for low-power devices, which Switchboard does not
	// model.
	SleepDuration int `json:"sleep_duration"`
	// StateLastTimestamp is when the device last went online or offline
	// (unix seconds, 0 if never).
	StateLastTimestamp int64  `json:"state_last_timestamp"`
	WifiSoftVersion    string `json:"wifi_soft_version"`
	WifiHardVersion    string `json:"wifi_hard_version"`
	MCUSoftVersion     string `json:"mcu_soft_version"`
	MCUHardVersion     string `json:"mcu_hard_version"`
}

const (
	// protoVer is the Gizwits protocol generation of attrs_v4 devices,
	// the only kind the gateway speaks.
	protoVer = "04"
	// protoc is what real replies carry for MQTT-connected devices
	// ([drohoo] in notes §5.2).
	protoc = 3
)

// productNames caches product names for the length of one request.
type productNames map[string]string

// name returns the product's name; "" if the product is gone.
func (a *API) productName(ctx context.Context, cache productNames, key string) (string, error) {
	if n, ok := cache[key]; ok {
		return n, nil
	}
	p, err := a.node.Product(ctx, key)
	if err != nil && !errors.Is(err, core.ErrProductNotFound) {
		return "", err
	}
	cache[key] = p.Name
	return p.Name, nil
}

// deviceObject renders a device as the user bound to it sees it.
func (a *API) deviceObject(host string, d store.Device, b store.Binding, productName string) deviceObject {
	var last int64
	if !d.LastSeen.IsZero() {
		last = d.LastSeen.Unix()
	}
	return deviceObject{
		ProductKey: d.ProductKey, DID: d.DID, MAC: d.MAC, IsOnline: d.Online, Passcode: d.Passcode,
		Host: host, Port: a.o.MQTTPort, PortS: a.o.MQTTTLSPort, WSPort: a.o.WSPort, WSSPort: a.o.WSSPort,
		Remark: b.Remark, IsDisabled: d.Disabled, Type: "normal", DevAlias: b.Alias, DevLabel: decodeLabels(b.Label),
		Role: b.Role, ProtoVer: protoVer, Protoc: protoc, ProductName: productName, StateLastTimestamp: last,
	}
}
