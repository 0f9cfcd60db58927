package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard-iot/switchboard/bus/memory"
)

// benchPublish measures the publisher's cost only: handlers are no-ops
// running on their own goroutines, and messages they cannot keep up with are
// dropped, which is reported as drops/op.
func benchPublish(b *testing.B, bs *memory.Bus, subject string) {
	b.Helper()
	data := make([]byte, 64)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := bs.Publish(ctx, subject, data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(bs.Dropped())/float64(b.N), "drops/op")
}

func nop(string, []byte) {}

func BenchmarkPublishLiteral(b *testing.B) {
	bs := memory.New(memory.Options{})
	defer bs.Close()
	if _, err := bs.Subscribe("dev.1.state", nop); err != nil {
		b.Fatal(err)
	}
	benchPublish(b, bs, "dev.1.state")
}

func BenchmarkPublishFanout(b *testing.B) {
	bs := memory.New(memory.Options{})
	defer bs.Close()
	for range 100 {
		if _, err := bs.Subscribe("dev.1.state", nop); err != nil {
			b.Fatal(err)
		}
	}
	benchPublish(b, bs, "dev.1.state")
}

func BenchmarkPublishManySubjects(b *testing.B) {
	bs := memory.New(memory.Options{})
	defer bs.Close()
	for i := range 10_000 {
		if _, err := bs.Subscribe(fmt.Sprintf("dev.%d.state", i), nop); err != nil {
			b.Fatal(err)
		}
	}
	benchPublish(b, bs, "dev.5000.state")
}
