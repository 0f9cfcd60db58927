package interconnect

import "context"

// Permission names (Xiaomi Wear Permission.DEVICE_MANAGER and NOTIFY).
const (
	PermDeviceManager = "data_manager"
	PermNotify        = "notify"
)

// Phone is a phone app's connection.
type Phone struct{ *conn }

// DialPhone connects as the phone app of the user cfg.Token belongs to.
func DialPhone(ctx context.Context, cfg Config) (*Phone, error) {
	c, err := dial(ctx, "phone", cfg)
	if err != nil {
		return nil, err
	}
	return &Phone{c}, nil
}

// ConnectedNodes is getConnectedNodes: the user's watches with a watch app
// connected.
func (p *Phone) ConnectedNodes(ctx context.Context) ([]Node, error) {
	f, err := p.call(ctx, map[string]any{"type": "nodes"})
	return f.Nodes, err
}

// IsWearAppInstalled says whether the watch app of this package and
// certificate ever registered on node.
func (p *Phone) IsWearAppInstalled(ctx context.Context, node string) (bool, error) {
	f, err := p.call(ctx, map[string]any{"type": "installed", "node": node})
	return err == nil && f.Installed != nil && *f.Installed, err
}

// CheckPermissions says, per permission, whether it is granted on node.
func (p *Phone) CheckPermissions(ctx context.Context, node string, perms ...string) ([]bool, error) {
	f, err := p.call(ctx, map[string]any{"type": "check_permissions", "node": node, "permissions": perms})
	return f.Granted, err
}

// RequestPermissions grants perms on node (the first request grants both).
func (p *Phone) RequestPermissions(ctx context.Context, node string, perms ...string) ([]string, error) {
	f, err := p.call(ctx, map[string]any{"type": "request_permissions", "node": node, "permissions": perms})
	return f.Permissions, err
}

// Listen starts delivering node's messages as "message" events
// (addListener); Unlisten stops it.
func (p *Phone) Listen(ctx context.Context, node string) error {
	_, err := p.call(ctx, map[string]any{"type": "listen", "node": node})
	return err
}

// Unlisten is removeListener.
func (p *Phone) Unlisten(ctx context.Context, node string) error {
	_, err := p.call(ctx, map[string]any{"type": "unlisten", "node": node})
	return err
}

// SendMessage is sendMessage(nodeId, bytes); the bytes are carried as
// UTF-8 text (invalid sequences become U+FFFD).
func (p *Phone) SendMessage(ctx context.Context, node string, data []byte) error {
	_, err := p.call(ctx, map[string]any{"type": "send", "node": node, "data": string(data)})
	return err
}
