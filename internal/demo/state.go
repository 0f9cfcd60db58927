package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StateFile is where the demo remembers what it created, inside the data
// dir, so a second start reuses the same product, app, user and devices.
const StateFile = "demo.json"

// state is the content of StateFile. The password is kept because the demo
// prints it at every start; it is a demo account's, in a file readable by
// the server's user only, beside the admin token.
type state struct {
	ProductKey string        `json:"product_key"`
	AppID      string        `json:"appid"`
	Username   string        `json:"username"`
	Password   string        `json:"password"`
	Devices    []deviceState `json:"devices"`
}

type deviceState struct {
	MAC      string `json:"mac"`
	Passcode string `json:"passcode"`
}

// loadState reads StateFile; a missing file is a zero state.
func loadState(dataDir string) (state, error) {
	var s state
	b, err := os.ReadFile(filepath.Join(dataDir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w (delete it to start the demo afresh)", filepath.Join(dataDir, StateFile), err)
	}
	return s, nil
}

// save writes StateFile atomically (temp file and rename), mode 0600.
func (s state) save(dataDir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dataDir, StateFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dataDir, StateFile))
}
