package aqara_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// TestPushVerifiesPartnerCertificate: a push to an https:// URL whose
// certificate no trusted CA signed is refused by the node (the failure is
// the push's last error, the push waits), and is delivered once the
// partner's CA is trusted (serve --push-ca-file sets Push.RootCAs).
func TestPushVerifiesPartnerCertificate(t *testing.T) {
	for _, trustCA := range []bool{false, true} {
		t.Run(fmt.Sprintf("ca trusted %v", trustCA), func(t *testing.T) {
			var got atomic.Int64
			var rc atomic.Pointer[aqc.Receiver] // set once the partner's secret is known
			recv := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if h := rc.Load(); h != nil {
					h.ServeHTTP(rw, r)
					return
				}
				http.Error(rw, "not ready", http.StatusServiceUnavailable)
			}))
			t.Cleanup(recv.Close)
			opts := []testserver.Option{fastRetries}
			if trustCA {
				pool := x509.NewCertPool()
				pool.AddCert(recv.Certificate())
				opts = append(opts, func(c *server.Config) { c.Push.RootCAs = pool })
			}
			w := newPartnerWorld(t, opts...)
			rc.Store(&aqc.Receiver{AppSecret: w.partner.PushAppSecret, OnPush: func(aqc.Push) { got.Add(1) }})
			ctx := context.Background()
			w.login(t)
			if _, err := w.srv.Admin.UpdatePartner(ctx, w.partner.AppID, adminSettings(w, recv.URL+"/push")); err != nil {
				t.Fatal(err)
			}
			if err := w.srv.Node().Unbind(ctx, w.uid, w.dev.DID()); err != nil {
				t.Fatal(err)
			}
			if trustCA {
				testserver.Eventually(t, 10*time.Second, func() error {
					if got.Load() == 0 {
						return fmt.Errorf("no push delivered over https")
					}
					return nil
				})
				return
			}
			testserver.Eventually(t, 10*time.Second, func() error {
				p, err := w.srv.Admin.GetPartner(ctx, w.partner.AppID)
				if err != nil {
					return err
				}
				if !strings.Contains(p.Push.LastError, "certificate") {
					return fmt.Errorf("last error %q", p.Push.LastError)
				}
				return nil
			})
			if n := got.Load(); n != 0 {
				t.Fatalf("%d pushes reached a receiver whose certificate is not trusted", n)
			}
			if n := w.srv.Partners().PendingPushes(w.partner.AppID); n == 0 {
				t.Fatal("the refused push is not waiting in the outbox")
			}
		})
	}
}
