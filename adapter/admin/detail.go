package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
)

// The operator API says more than the vendor APIs (an operator fixing a
// product definition needs the attr and the reason), but never passes on
// an error chain: those go to the log.

// schemaDetail is why a product definition was refused: the
// *datapoint.SchemaError's own reason without the package prefix, or the
// core's reason.
func schemaDetail(err error) string {
	var se *datapoint.SchemaError
	if errors.As(err, &se) {
		return strings.TrimPrefix(se.Error(), "datapoint: ")
	}
	return orDefault(core.Detail(err), "invalid product definition")
}

// jsonDetail is why a body did not decode, without the decoder's Go type
// names.
func jsonDetail(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s has the wrong type (%s)", typ.Field, typ.Value)
	}
	return "body is not valid JSON"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
