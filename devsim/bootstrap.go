package devsim

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// register is GAgent's POST /dev/devices (notes §1.1).
func register(ctx context.Context, base, productKey, mac, passcode string) (string, error) {
	form := url.Values{"product_key": {productKey}, "mac": {mac}, "passcode": {passcode}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/dev/devices", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, status, err := doForm(req)
	if err != nil {
		return "", fmt.Errorf("devsim: register: %w", err)
	}
	if status != http.StatusCreated {
		return "", fmt.Errorf("devsim: register: HTTP %d: %s", status, body)
	}
	v, err := url.ParseQuery(body)
	if err != nil || len(v.Get("did")) != 22 {
		return "", fmt.Errorf("devsim: register: no 22-character did in %q", body)
	}
	return v.Get("did"), nil
}

// provision is GAgent's GET /dev/devices/<did>: where the broker is.
func provision(ctx context.Context, base, did string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/dev/devices/"+did, nil)
	if err != nil {
		return "", 0, err
	}
	body, status, err := doForm(req)
	if err != nil {
		return "", 0, fmt.Errorf("devsim: provision: %w", err)
	}
	if status != http.StatusOK {
		return "", 0, fmt.Errorf("devsim: provision: HTTP %d: %s", status, body)
	}
	v, err := url.ParseQuery(body)
	if err != nil {
		return "", 0, fmt.Errorf("devsim: provision: %w", err)
	}
	port, err := strconv.Atoi(v.Get("port"))
	if err != nil || v.Get("host") == "" {
		return "", 0, fmt.Errorf("devsim: provision: no host/port in %q", body)
	}
	return v.Get("host"), port, nil
}

func doForm(req *http.Request) (string, int, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return string(b), resp.StatusCode, err
}
