package cli

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

var (
	reFirstConsole = regexp.MustCompile(`The console is at (http://\S+)/app`)
	reNewToken     = regexp.MustCompile(`Generated an admin token[^\n]*\n\n    (\S+)\n`)
)

// startedAdmin waits for a first start's text and returns an admin client
// for the node.
func startedAdmin(t *testing.T, out *syncBuffer) *adminclient.Client {
	t.Helper()
	var base, token string
	testserver.Eventually(t, 60*time.Second, func() error {
		c, k := reFirstConsole.FindStringSubmatch(out.String()), reNewToken.FindStringSubmatch(out.String())
		if c == nil || k == nil {
			return errors.New("no console address and admin token printed yet")
		}
		base, token = c[1], k[1]
		return nil
	})
	return adminclient.New(base, token)
}

// takenAdmin waits for a node that took the admin token of the nodes
// sharing its store (want) into its data dir and says so without printing
// it, and returns a client of its admin API with that token.
func takenAdmin(t *testing.T, out *syncBuffer, dataDir, want string) *adminclient.Client {
	t.Helper()
	var base string
	testserver.Eventually(t, 60*time.Second, func() error {
		c := reFirstConsole.FindStringSubmatch(out.String())
		if c == nil || !strings.Contains(out.String(), "Took the admin token of the nodes sharing the store") {
			return errors.New("no console address and taken admin token printed yet")
		}
		base = c[1]
		return nil
	})
	if strings.Contains(out.String(), want) {
		t.Fatal("a node that did not generate the admin token printed it")
	}
	b, err := os.ReadFile(filepath.Join(dataDir, server.AdminTokenFile))
	if err != nil || strings.TrimSpace(string(b)) != want {
		t.Fatalf("the data dir's admin token %q, %v; want the first node's", b, err)
	}
	return adminclient.New(base, want)
}

// TestServeStorePostgres: serve --store postgres://… keeps its data in
// PostgreSQL, not in the data directory. A device registered through the
// admin API is found again by a node started later on the same database
// (named by SWITCHBOARD_STORE this time) with an empty data directory of
// its own.
func TestServeStorePostgres(t *testing.T) {
	dsn := pgtest.SchemaURL(t)
	common := []string{"--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "warn"}

	dir1 := t.TempDir()
	out, stop := runServe(t, append([]string{"--data-dir", dir1, "--store", dsn}, common...)...)
	admin := startedAdmin(t, out)
	product, err := admin.CreateProduct(t.Context(), testserver.ExampleSchema(t, "demo-lamp.json"))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := admin.RegisterDevice(t.Context(), product.ProductKey, "0a1b2c3d4e5f", "passcode1")
	if err != nil {
		t.Fatal(err)
	}
	if rc := stop(); rc != 0 {
		t.Fatalf("serve exited %d", rc)
	}
	if _, err := os.Stat(filepath.Join(dir1, "switchboard.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("serve --store postgres:// created or touched a SQLite database in the data dir: %v", err)
	}

	t.Setenv(EnvName("store"), dsn)
	dir2 := t.TempDir()
	out2, stop2 := runServe(t, append([]string{"--data-dir", dir2}, common...)...)
	admin2 := takenAdmin(t, out2, dir2, admin.Token)
	got, err := admin2.GetDevice(t.Context(), dev.DID)
	if err != nil {
		t.Fatalf("the device registered before the restart: %v", err)
	}
	if got.DID != dev.DID || !strings.EqualFold(got.MAC, dev.MAC) || got.ProductKey != product.ProductKey {
		t.Fatalf("after the restart got %+v, registered %+v", got, dev)
	}
	if rc := stop2(); rc != 0 {
		t.Fatalf("second serve exited %d", rc)
	}
}

// TestServeStoreBad: a --store that is not a PostgreSQL URL is a usage
// error (2), an unreachable server a start failure (1); neither shows the
// password.
func TestServeStoreBad(t *testing.T) {
	for _, c := range []struct {
		store string
		code  int
	}{
		{"mysql://u:s3cret@h/db", 2},
		{"postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", 1},
	} {
		var out, errs syncBuffer
		rc := Main([]string{"serve", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0",
			"--https-addr", "off", "--mqtts-addr", "off", "--store", c.store}, &out, &errs)
		if rc != c.code || !strings.Contains(errs.String(), "--store") {
			t.Errorf("--store %s: exit %d, stderr %q; want %d naming --store", c.store, rc, errs.String(), c.code)
		}
		if strings.Contains(errs.String()+out.String(), "s3cret") {
			t.Errorf("--store %s: output shows the password: %s", c.store, errs.String())
		}
	}
}
