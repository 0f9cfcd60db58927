// Command aqara-partner plays a partner server against Switchboard's
// Aqara-compatible API: it signs and sends one intent call, or receives
// message pushes and prints them. See the README's partner walk-through.
//
//	aqara-partner call <intent> [data-json]   sign, send, print the envelope
//	aqara-partner receive                     serve a push URL, print pushes
//
// Credentials come from flags or the environment: AQARA_URL, AQARA_APPID,
// AQARA_KEYID, AQARA_APPKEY, AQARA_TOKEN (the access token, for intents
// acting for an account) and AQARA_PUSH_SECRET (to check push signatures).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/switchboard-iot/switchboard/client/aqara"
)

func main() {
	fs := flag.NewFlagSet("aqara-partner", flag.ExitOnError)
	url := fs.String("url", env("AQARA_URL", "http://127.0.0.1:8080"), "server base URL")
	appID := fs.String("appid", os.Getenv("AQARA_APPID"), "partner appId")
	keyID := fs.String("keyid", os.Getenv("AQARA_KEYID"), "partner Keyid")
	appKey := fs.String("appkey", os.Getenv("AQARA_APPKEY"), "partner appKey (signing secret)")
	token := fs.String("token", os.Getenv("AQARA_TOKEN"), "access token (omit for config.auth.*)")
	listen := fs.String("listen", "127.0.0.1:9090", "receive: address of the push URL")
	secret := fs.String("push-secret", os.Getenv("AQARA_PUSH_SECRET"), "receive: push appSecret; empty accepts unsigned pushes")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: aqara-partner [flags] call <intent> [data-json] | receive")
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	args := fs.Args()
	if len(args) == 0 {
		fs.Usage()
		os.Exit(2)
	}
	switch args[0] {
	case "call":
		if len(args) < 2 || len(args) > 3 {
			fs.Usage()
			os.Exit(2)
		}
		var data any = map[string]any{}
		if len(args) == 3 {
			if err := json.Unmarshal([]byte(args[2]), &data); err != nil {
				fmt.Fprintln(os.Stderr, "data is not JSON:", err)
				os.Exit(2)
			}
		}
		c := &aqara.Client{URL: *url + "/v3.0/open/api", AppID: *appID, KeyID: *keyID, AppKey: *appKey, AccessToken: *token}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		env, err := c.Do(ctx, args[1], data)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out, _ := json.MarshalIndent(env, "", "  ")
		fmt.Println(string(out))
		if env.Code != 0 {
			os.Exit(1)
		}
	case "receive":
		rc := &aqara.Receiver{AppSecret: *secret, OnPush: func(p aqara.Push) {
			fmt.Printf("push %s for %s: %s\n", p.MsgID, p.Token, p.Data)
		}}
		fmt.Fprintf(os.Stderr, "receiving pushes on http://%s/ (signature check: %v)\n", *listen, *secret != "")
		srv := &http.Server{Addr: *listen, Handler: rc, ReadHeaderTimeout: 10 * time.Second}
		if err := srv.ListenAndServe(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fs.Usage()
		os.Exit(2)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
