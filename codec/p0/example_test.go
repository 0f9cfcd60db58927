package p0_test

import (
	"fmt"

	"github.com/switchboard-iot/switchboard/codec/p0"
)

func ExampleDecode() {
	// A capture from the Gizwits device log: a fixed-length read request.
	f, err := p0.Decode([]byte{0, 0, 0, 3, 4, 0, 0, 0x90, 0x02})
	if err != nil {
		panic(err)
	}
	fmt.Printf("cmd %#04x payload % x\n", f.Cmd, f.Payload)
	// Output: cmd 0x0090 payload 02
}

func ExampleAppend() {
	// Acknowledge a 0x0093 with the same sn and no payload.
	wire := p0.Append(nil, p0.Frame{Cmd: p0.CmdAckSN, SN: 2})
	fmt.Printf("% x\n", wire)
	// Output: 00 00 00 03 07 00 00 94 00 00 00 02
}
