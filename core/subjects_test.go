package core

import "testing"

func TestDIDOfSubject(t *testing.T) {
	did := "AAAAAAAAAAAAAAAAAAAAAA"
	for _, subject := range []string{SubjectData(did), SubjectStatus(did), SubjectDown(did), SubjectControl(did)} {
		if got, ok := DIDOfSubject(subject); !ok || got != did {
			t.Errorf("DIDOfSubject(%q) = %q, %v", subject, got, ok)
		}
	}
	for _, subject := range []string{"", "sb.dev.", "sb.dev..data", "sb.user.x.binding", "other"} {
		if got, ok := DIDOfSubject(subject); ok {
			t.Errorf("DIDOfSubject(%q) = %q, want no did", subject, got)
		}
	}
}
