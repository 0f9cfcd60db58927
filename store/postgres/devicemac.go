package postgres

import (
	"context"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// FindDeviceByMAC uses the UNIQUE (product_key, mac) index.
func (s *Store) FindDeviceByMAC(ctx context.Context, productKey, mac string) (store.Device, error) {
	d, err := scanDevice(s.db.QueryRow(ctx,
		`SELECT `+deviceCols+` FROM devices WHERE product_key = $1 AND mac = $2`, productKey, mac))
	return d, mapErr(err, fmt.Sprintf("find device %s/%s", productKey, mac))
}
