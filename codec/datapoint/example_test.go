package datapoint_test

import (
	"fmt"
	"os"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
)

func mustSchema(path string) *datapoint.Schema {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	p, err := datapoint.ParseProduct(data)
	if err != nil {
		panic(err)
	}
	s, err := datapoint.Compile(p)
	if err != nil {
		panic(err)
	}
	return s
}

// A device report becomes the attrs of a WebSocket s2c_noti.
func ExampleSchema_Decode() {
	s := mustSchema("../../examples/products/demo-lamp.json")
	m := s.NewMessage(0) // reuse m for every payload: Decode does not allocate
	payload := []byte{0x04, 0x05, 0xc8, 0x00, 0x08, 0x01, 0x5b, 0x28, 0x01, 0x00}
	if err := s.Decode(payload, m); err != nil {
		panic(err)
	}
	fmt.Println(string(s.AppendJSON(nil, m)))
	// Output: {"LED_OnOff":true,"LED_Color":"purple","LED_R":200,"Motor_Speed":3,"Infrared":true,"Temperature":25.5,"Humidity":40,"Alert_Overheat":true,"Fault_LED":false}
}

// A c2s_write becomes a write payload.
func ExampleSchema_Set() {
	s := mustSchema("../../examples/products/demo-fan-varlen.json")
	m := s.NewMessage(datapoint.ActionVarWrite)
	for name, v := range map[string]any{"Power": true, "Mode": "turbo", "Speed": 55.0} {
		if err := s.Set(m, name, v); err != nil {
			panic(err)
		}
	}
	payload, err := s.Append(nil, m)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", payload)
	// Output: 11 00 07 05 37
}
