package datapoint

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestSetStrictDetail: every malformed write is refused (nothing is
// rounded or coerced) and its Detail names the field and says what it
// takes, in words a client may be shown: no package prefix, no Go error
// text, one line.
func TestSetStrictDetail(t *testing.T) {
	lamp, fan := loadSchema(t, "lamp"), loadSchema(t, "fan")
	tests := []struct {
		name  string
		s     *Schema
		field string
		in    any
		want  string
	}{
		{"bool from 1", lamp, "LED_OnOff", 1.0, "LED_OnOff must be true or false"},
		{"bool from 0", lamp, "LED_OnOff", json.Number("0"), "LED_OnOff must be true or false"},
		{"bool from string", lamp, "LED_OnOff", "true", "LED_OnOff must be true or false"},
		{"bool from null", lamp, "LED_OnOff", nil, "LED_OnOff must be true or false"},
		{"uint 3.5 ratio 1", lamp, "LED_R", 3.5, "LED_R must be a number from 0 to 254 in steps of 1"},
		{"uint above max", lamp, "LED_R", 255.0, "LED_R must be a number from 0 to 254 in steps of 1"},
		{"uint string", lamp, "LED_R", "3", "LED_R must be a number from 0 to 254 in steps of 1"},
		{"uint with addition", lamp, "Motor_Speed", 2.5, "Motor_Speed must be a number from -5 to 5 in steps of 1"},
		{"uint 0.1 off step", fan, "Speed", 1e-3, "Speed must be a number from 0 to 100 in steps of 1"},
		{"enum unknown label", lamp, "LED_Color", "red", "LED_Color must be one of its labels or an index from 0 to 3"},
		{"enum fractional index", lamp, "LED_Color", 1.5, "LED_Color must be one of its labels or an index from 0 to 3"},
		{"enum bool", lamp, "LED_Color", true, "LED_Color must be one of its labels or an index from 0 to 3"},
		{"binary odd hex", fan, "Label", "abc", "Label must be a hex string of at most 8 bytes"},
		{"binary long hex", fan, "Label", strings.Repeat("00", 9), "Label must be a hex string of at most 8 bytes"},
		{"binary bad element", fan, "Label", []any{1.0, 256.0}, "Label must be an array of at most 8 bytes (0 to 255)"},
		{"binary fractional element", fan, "Label", []any{1.5}, "Label must be an array of at most 8 bytes (0 to 255)"},
		{"binary long array", fan, "Label", make([]any, 9), "Label must be an array of at most 8 bytes (0 to 255)"},
		{"binary number", fan, "Label", 7.0, "Label must be a hex string or an array of at most 8 bytes"},
		{"read-only", lamp, "Temperature", 20.0, "Temperature is not writable"},
		{"unknown", lamp, "Colour", "red", "Colour is not a datapoint of this product"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			action := byte(ActionWrite)
			if tt.s.VarLen() {
				action = ActionVarWrite
			}
			m := tt.s.NewMessage(action)
			err := tt.s.Set(m, tt.field, tt.in)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Set(%v) = %v, want a *FieldError", tt.in, err)
			}
			if got := fe.Detail(); got != tt.want {
				t.Errorf("Detail = %q, want %q", got, tt.want)
			}
			if fe.Field != tt.field {
				t.Errorf("Field = %q", fe.Field)
			}
		})
	}
}
