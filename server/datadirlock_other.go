//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package server

import "os"

// tryLock does not lock where flock is unavailable: the single-node rule is
// then the operator's to keep (docs/operations.md).
func tryLock(*os.File) (bool, error) { return true, nil }
