package core

import "errors"

// Errors the core returns; adapters map them to their protocol's codes
// (docs/decisions.md lists every mapping).
var (
	ErrBadCredentials  = errors.New("core: bad device credentials")
	ErrDeviceDisabled  = errors.New("core: device is disabled")
	ErrDeviceNotFound  = errors.New("core: device not found")
	ErrDeviceOffline   = errors.New("core: device is offline")
	ErrProductNotFound = errors.New("core: product not found")
	ErrInvalidSchema   = errors.New("core: invalid product schema")
	ErrInvalidInput    = errors.New("core: invalid input")
	ErrConflict        = errors.New("core: already exists")
	ErrNotStandard     = errors.New("core: not a standard datapoint frame")
)
