package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard-iot/switchboard/core"
)

// AdminTokenFile is the name of the generated admin token in the data dir.
const AdminTokenFile = "admin-token"

// adminTokenName is the generated token's name among the store's
// bootstrap values.
const adminTokenName = "admin_token"

// settleAdminToken decides the token /admin/v1 accepts: the configured one,
// else the generated one every node sharing the store uses. The first node
// to start claims its token (the one in its data dir, or a new one) in the
// store; every other node takes that one and keeps it in its own data dir,
// for `switchboard admin` on that machine. created tells the caller to
// print it: this start generated the token every node now uses; taken,
// that this start wrote another node's token into the data dir.
//
// shared is nil for the SQLite the node opened in its own data dir: no
// other node can share it, so the data dir alone keeps the token, as it
// always did (delete the file to have a new one generated).
func settleAdminToken(ctx context.Context, dataDir, configured string, shared interface {
	ClaimValue(ctx context.Context, name, value string) (string, bool, error)
}) (token string, created, taken bool, err error) {
	if configured != "" {
		return configured, false, false, nil
	}
	path := filepath.Join(dataDir, AdminTokenFile)
	kept, err := readTokenFile(path)
	if err != nil {
		return "", false, false, err
	}
	candidate := kept
	if candidate == "" {
		candidate = "sba_" + core.NewKey() + core.NewKey()[:16]
	}
	token, won := candidate, kept == ""
	if shared != nil {
		if token, won, err = shared.ClaimValue(ctx, adminTokenName, candidate); err != nil {
			return "", false, false, err
		}
	}
	if kept != "" {
		if token != kept {
			return "", false, false, fmt.Errorf("%s is not the admin token of the nodes sharing this store; delete it to take theirs, or give every node the same --admin-token", path)
		}
		return kept, false, false, nil
	}
	if err := writeTokenFile(path, token); err != nil {
		return "", false, false, err
	}
	return token, won, !won, nil
}

// readTokenFile returns the token kept at path, "" when there is none.
func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if t := strings.TrimSpace(string(b)); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("%s is empty; delete it to generate a new token", path)
}

// writeTokenFile creates path (0600, fsynced) holding token.
func writeTokenFile(path, token string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadAdminToken reads the generated token of a data dir, for the admin CLI
// on the same machine.
func ReadAdminToken(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, AdminTokenFile))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
