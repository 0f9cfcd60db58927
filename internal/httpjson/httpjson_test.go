package httpjson_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/httpjson"
)

func TestDecodeMessages(t *testing.T) {
	type req struct {
		Name  string      `json:"name"`
		Count int         `json:"count"`
		Value json.Number `json:"value"`
	}
	for _, c := range []struct {
		body, want string
	}{
		{``, "empty body"},
		{`   `, "empty body"},
		{`{"name":`, "body is not valid JSON"},
		{`{"name" "x"}`, "body is not valid JSON (at byte 9)"},
		{`{"count":"many"}`, "count has the wrong type (string)"},
		{`[1,2]`, "body has the wrong type (array)"},
		{`{"name":"a"} {"name":"b"}`, "body has data after the JSON value"},
		{`{"name":"a"}]`, "body has data after the JSON value"},
	} {
		var v req
		err := httpjson.Decode([]byte(c.body), &v)
		var he *httpjson.Error
		if !errors.As(err, &he) {
			t.Errorf("%q: err = %v, want an *httpjson.Error", c.body, err)
			continue
		}
		if he.Message != c.want || err.Error() != c.want {
			t.Errorf("%q: message %q, want %q", c.body, he.Message, c.want)
		}
		if he.TooLarge || he.Unread {
			t.Errorf("%q: TooLarge or Unread set on a decode error", c.body)
		}
	}
}

func TestDecodeKeepsNumbersAndIgnoresUnknownFields(t *testing.T) {
	var v struct {
		Attrs map[string]any `json:"attrs"`
	}
	if err := httpjson.Decode([]byte(`{"attrs":{"t":12.50},"lang":"en"}`+"\n"), &v); err != nil {
		t.Fatal(err)
	}
	n, ok := v.Attrs["t"].(json.Number)
	if !ok || n.String() != "12.50" {
		t.Fatalf("attrs.t = %#v, want json.Number 12.50", v.Attrs["t"])
	}
}

// errCustom is the error of a type's own UnmarshalJSON; callers reach it
// through errors.As.
type errCustom struct{}

func (errCustom) Error() string { return "custom" }

type picky struct{}

func (*picky) UnmarshalJSON([]byte) error { return errCustom{} }

func TestDecodeUnwrapsTheCause(t *testing.T) {
	var v struct {
		P picky `json:"p"`
	}
	err := httpjson.Decode([]byte(`{"p":1}`), &v)
	if !errors.As(err, new(errCustom)) {
		t.Fatalf("err = %v, want it to unwrap to errCustom", err)
	}
	if err.Error() != "body is not valid JSON" {
		t.Fatalf("message %q leaks the cause", err.Error())
	}
}

// TestReadOverSockets posts bodies to a real HTTP server whose handler
// reads them with ReadDecode and answers with the outcome.
func TestReadOverSockets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v struct {
			Name string `json:"name"`
		}
		err := httpjson.ReadDecode(w, r, 64<<10, &v)
		var he *httpjson.Error
		switch {
		case errors.As(err, &he) && he.TooLarge:
			http.Error(w, "too large: "+he.Message, http.StatusRequestEntityTooLarge)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			_, _ = io.WriteString(w, "name="+v.Name)
		}
	}))
	defer srv.Close()
	for _, c := range []struct {
		body   string
		status int
		reply  string
	}{
		{`{"name":"lamp"}`, 200, "name=lamp"},
		{`{"name":"` + strings.Repeat("x", 64<<10) + `"}`, 413, "too large: body larger than 64 KiB\n"},
		{`{"name":1}`, 400, "name has the wrong type (number)\n"},
	} {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || string(b) != c.reply {
			t.Errorf("body of %d bytes: %d %q, want %d %q", len(c.body), resp.StatusCode, b, c.status, c.reply)
		}
	}
}

func TestSizeWording(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := httpjson.Read(w, r, 1<<20)
		if err != nil {
			_, _ = io.WriteString(w, err.Error())
		}
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(strings.Repeat(" ", 1<<20+1)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "body larger than 1 MiB" {
		t.Fatalf("reply %q", b)
	}
}
