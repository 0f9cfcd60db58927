package store

import (
	"context"
	"time"
)

// App is a Gizwits application: user apps send its id in X-Gizwits-Application-Id.
type App struct {
	ID        string // appid, 32 lower-case hex characters
	Secret    string // app_secret, 32 lower-case hex characters
	Name      string
	CreatedAt time.Time
}

// Apps stores applications.
type Apps interface {
	// CreateApp inserts a; ErrConflict when a.ID exists.
	CreateApp(ctx context.Context, a App) error
	// GetApp returns the app with that id or ErrNotFound.
	GetApp(ctx context.Context, id string) (App, error)
	// ListApps returns every app, oldest first.
	ListApps(ctx context.Context) ([]App, error)
}
