package partners

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Positions (Aqara spaces: homes, rooms) belong to a user, whichever
// partner made them: like the user's bindings, they are the user's own.

// Errors of positions.
var (
	ErrPositionNotFound = errors.New("partners: position not found")
	ErrPositionNotEmpty = errors.New("partners: position holds positions or devices")
	ErrPositionTooDeep  = errors.New("partners: too many position levels")
)

// MaxPositionDepth is the deepest a position tree goes (notes §2.5).
const MaxPositionDepth = 10

// CreatePosition makes a position of uid under parentID ("" for a top
// level), which must be one of uid's.
func (n *Domain) CreatePosition(ctx context.Context, uid, name, description, parentID string) (Position, error) {
	name, description, err := checkPosition(name, description)
	if err != nil {
		return Position{}, err
	}
	if parentID != "" {
		depth := 1
		for id := parentID; id != ""; depth++ {
			if depth >= MaxPositionDepth {
				return Position{}, ErrPositionTooDeep
			}
			pp, err := n.Position(ctx, uid, id)
			if err != nil {
				return Position{}, err
			}
			id = pp.ParentID
		}
	}
	v, err := rand.Int(rand.Reader, big.NewInt(1e15))
	if err != nil {
		return Position{}, err
	}
	p := Position{
		PositionID: fmt.Sprintf("real1.%015d", v.Int64()), UID: uid, ParentID: parentID,
		Name: name, Description: description, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
	if err := n.store.CreatePosition(ctx, p); err != nil {
		return Position{}, err
	}
	return p, nil
}

// Position returns one of uid's positions; ErrPositionNotFound for another
// user's too, so ids of others are not confirmed.
func (n *Domain) Position(ctx context.Context, uid, positionID string) (Position, error) {
	p, err := n.store.GetPosition(ctx, positionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.UID != uid) {
		return Position{}, ErrPositionNotFound
	}
	return p, err
}

// UpdatePosition renames one of uid's positions.
func (n *Domain) UpdatePosition(ctx context.Context, uid, positionID, name, description string) (Position, error) {
	name, description, err := checkPosition(name, description)
	if err != nil {
		return Position{}, err
	}
	p, err := n.Position(ctx, uid, positionID)
	if err != nil {
		return Position{}, err
	}
	p.Name, p.Description = name, description
	if err := n.store.UpdatePosition(ctx, p); err != nil {
		return Position{}, err
	}
	return p, nil
}

// DeletePosition deletes one of uid's positions if it is empty.
func (n *Domain) DeletePosition(ctx context.Context, uid, positionID string) error {
	if _, err := n.Position(ctx, uid, positionID); err != nil {
		return err
	}
	err := n.store.DeletePosition(ctx, positionID)
	switch {
	case errors.Is(err, store.ErrConflict):
		return ErrPositionNotEmpty
	case errors.Is(err, store.ErrNotFound):
		return ErrPositionNotFound
	}
	return err
}

// Positions lists uid's positions under parentID, and how many there are.
func (n *Domain) Positions(ctx context.Context, uid, parentID string, limit, offset int) ([]Position, int, error) {
	return n.store.ListPositions(ctx, uid, parentID, limit, offset)
}

// PlaceDevices puts devices bound to uid in one of uid's positions ("":
// none). Every did must be bound (core.ErrNotBound) before anything changes.
func (n *Domain) PlaceDevices(ctx context.Context, uid string, dids []string, positionID string) error {
	if positionID != "" {
		if _, err := n.Position(ctx, uid, positionID); err != nil {
			return err
		}
	}
	for _, did := range dids {
		if _, err := n.core.Binding(ctx, uid, did); err != nil {
			return err
		}
	}
	for _, did := range dids {
		if err := n.store.SetDevicePosition(ctx, uid, did, positionID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return core.ErrNotBound // unbound meanwhile
			}
			return err
		}
	}
	return nil
}

// DevicePositions maps uid's placed devices to their positions.
func (n *Domain) DevicePositions(ctx context.Context, uid string) (map[string]string, error) {
	return n.store.DevicePositions(ctx, uid)
}

func checkPosition(name, description string) (string, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 || len(description) > 256 {
		return "", "", &core.InputError{Field: "", Reason: "positionName must be 1 to 64 characters, description at most 256"}
	}
	return name, description, nil
}
