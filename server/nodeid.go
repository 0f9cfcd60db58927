package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard-iot/switchboard/core"
)

// NodeIDFile is the file in the data dir that keeps a generated node id.
const NodeIDFile = "node-id"

// loadNodeID returns the configured node id, else the one kept in the data
// dir, else a new one it keeps there (synced, so a crash right after the
// first start cannot give the next start another identity).
func loadNodeID(dataDir, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	path := filepath.Join(dataDir, NodeIDFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
		return "", fmt.Errorf("%s is empty; delete it to generate a new node id", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	id := "node-" + core.NewKey()[:16]
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(id + "\n"); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return id, f.Close()
}
