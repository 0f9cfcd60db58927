package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the file in the data dir whose exclusive lock marks the dir as
// owned by one running node.
const LockFile = "lock"

// ErrDataDirInUse is returned by Start when another process holds the data
// dir's lock: two nodes on one database would both deliver partner pushes and
// both claim every device's presence.
var ErrDataDirInUse = errors.New("in use by another switchboard serve")

// lockDataDir takes the data dir's exclusive lock without waiting. The lock
// lives as long as the returned file is open: the kernel drops it when the
// process exits in any way, kill -9 included, so no stale lock survives a
// crash. The file holds the holder's pid, only to name it in the refusal.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--data-dir %s: lock file: %w", dir, unwrapPath(err))
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--data-dir %s: lock %s: %w", dir, path, err)
	}
	if !held {
		f.Close()
		holder := ""
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
		}
		return nil, fmt.Errorf("--data-dir %s: %w%s", dir, ErrDataDirInUse, holder)
	}
	// Best effort: the pid only decorates another node's refusal message.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// unwrapPath drops the *os.PathError wrapper when the message names the path
// already, so the start-up error stays one short line.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
