package securitytest_test

import (
	"sort"
	"strings"
	"testing"
)

// credentials are every password, token, passcode and key the world holds
// or an attacker sent, by name: docs/security.md, "What is logged", says
// none of them is ever written to the log.
func (w *world) credentials() map[string]string {
	c := map[string]string{
		"a1 password": w.a1.password, "a2 password": w.a2.password, "b1 password": w.b1.password,
		"a1 token": w.a1.token, "a2 token": w.a2.token, "b1 token": w.b1.token,
		"expired token": w.expiredToken, "revoked token": w.revokedToken,
		"wrong token": "not-a-token", "wrong password": "wrong password",
		"admin token": w.srv.AdminToken, "app A secret": w.appASecret, "lamp product secret": w.lampSecret,
		"partner A appKey": w.pA.AppKey, "partner B appKey": w.pB.AppKey, "suspended partner appKey": w.pOff.AppKey,
		"partner A push secret":  w.pA.PushAppSecret,
		"partner A token for a1": w.pAVictimToken, "partner A token": w.pAToken, "partner A refresh": w.pARefresh,
		"partner B token": w.pBToken, "partner B refresh": w.pBRefresh,
		"partner A expired token": w.pAExpired, "partner A revoked token": w.pARevoked,
	}
	for name, d := range map[string]*device{"victim lamp": w.victimLamp, "victim fan": w.victimFan, "disabled lamp": w.disabledLamp} {
		c[name+" passcode"] = d.passcode
	}
	return c
}

// logHasNoCredentials fails for each credential found in the node's log
// (kept at debug level), after the matrix sent every one of them in
// accepted and refused requests.
func logHasNoCredentials(t *testing.T, w *world) {
	t.Helper()
	log := w.srv.Log.String()
	if log == "" {
		t.Fatal("the node logged nothing: the check below would prove nothing")
	}
	var found []string
	for name, v := range w.credentials() {
		if v == "" {
			t.Errorf("credential %q is empty in the test world", name)
			continue
		}
		if strings.Contains(log, v) {
			found = append(found, name)
		}
	}
	sort.Strings(found)
	for _, name := range found {
		t.Errorf("the log carries the %s", name)
	}
}
