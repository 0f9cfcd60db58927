package password

import (
	"fmt"
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id with the documented parameters", h)
	}
	h2, _ := Hash("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct hors": false, "": false, "Correct horse": false} {
		ok, err := Verify(h, pw)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
	} {
		if _, err := Verify(h, "x"); err != ErrMalformed {
			t.Errorf("Verify(%q): %v, want ErrMalformed", h, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	good, _ := Hash("pw")
	f.Add(good, "pw")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$a2V5", "x")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// Must never panic, whatever is stored. Verify accepts up to 2 GiB
		// and 16 passes (stored hashes are ours); the fuzzer's hashes are
		// held to Hash's own 19 MiB and 2 passes, read the way Verify reads
		// them, so that no worker runs out of memory or time.
		if parts := strings.Split(hash, "$"); len(parts) == 6 {
			var m, t uint32
			var p uint8
			if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err == nil && (m > 19456 || t > 2) {
				return
			}
		}
		_, _ = Verify(hash, pw)
	})
}
