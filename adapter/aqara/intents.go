package aqara

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/partners"
)

// handler runs one intent for an authenticated call. It returns the result
// (nil for none), the code, and for an error code a detail for
// msgDetails (for CodeInternal the detail is logged, not sent).
type handler func(a *API, r *http.Request, c call) (result any, code Code, details string)

// intent is one entry of the intent table.
type intent struct {
	// needsToken: the call acts for an account, so the Accesstoken header
	// must be present (109) and valid (108 expired, 2004 unknown). Intents
	// without it ignore the token, except that it takes part in the
	// signature (notes §7: auth intents must not be refused for a stale
	// token).
	needsToken bool
	h          handler
}

// intentTable maps intent names to handlers. Every other name answers
// CodeIntentNotOpen.
func intentTable() map[string]intent {
	return map[string]intent{
		"config.app.init":        {needsToken: true, h: (*API).appInit},
		"config.app.tokenExpire": {h: (*API).appTokenExpire},

		"config.auth.getAuthCode":   {h: (*API).getAuthCode},
		"config.auth.getToken":      {h: (*API).getToken},
		"config.auth.refreshToken":  {h: (*API).refreshToken},
		"config.auth.createAccount": {h: (*API).createAccount},

		"query.device.info":      {needsToken: true, h: (*API).deviceInfo},
		"query.device.subInfo":   {needsToken: true, h: (*API).deviceSubInfo},
		"config.device.position": {needsToken: true, h: (*API).devicePosition},

		"query.resource.info":   {needsToken: true, h: (*API).resourceInfo},
		"query.resource.value":  {needsToken: true, h: (*API).resourceValue},
		"write.resource.device": {needsToken: true, h: (*API).writeResource},

		"query.position.info":    {needsToken: true, h: (*API).positionInfo},
		"config.position.create": {needsToken: true, h: (*API).positionCreate},
		"config.position.update": {needsToken: true, h: (*API).positionUpdate},
		"config.position.delete": {needsToken: true, h: (*API).positionDelete},

		"config.resource.subscribe":   {needsToken: true, h: (*API).subscribe},
		"config.resource.unsubscribe": {needsToken: true, h: (*API).unsubscribe},
		"query.push.errorMsg":         {h: (*API).pushErrors},
	}
}

// IntentInfo is one intent of the table, for tools that must cover every
// intent (the security suite in server/securitytest).
type IntentInfo struct {
	Name string
	// NeedsToken: the intent acts for an account and needs a valid
	// Accesstoken (109 absent, 108 expired, 2004 unknown).
	NeedsToken bool
}

// Intents lists the intent table, sorted by name.
func Intents() []IntentInfo {
	var out []IntentInfo
	for name, in := range intentTable() {
		out = append(out, IntentInfo{Name: name, NeedsToken: in.needsToken})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// checkAccessToken judges the Accesstoken of an intent that acts for an
// account and returns the account's uid: 108 for an expired token (clients
// refresh on it, notes §3), 2004 for one this partner never got.
func (a *API) checkAccessToken(r *http.Request, c call) (string, Code, string) {
	uid, err := a.partners.PartnerUser(r.Context(), c.partner, c.accessToken)
	switch {
	case err == nil:
		return uid, CodeSuccess, ""
	case errors.Is(err, core.ErrTokenExpired):
		return "", CodeTokenExpired, "access token expired"
	case errors.Is(err, partners.ErrAccessTokenWrong):
		return "", CodeAccessTokenWrong, "access token unknown"
	default:
		return "", CodeInternal, err.Error()
	}
}

// coreCode maps a core error to its code and a detail for msgDetails.
func coreCode(err error) (Code, string) {
	for _, m := range []struct {
		err  error
		code Code
	}{
		{core.ErrInvalidInput, CodeParams},
		{core.ErrNotBound, CodeDeviceNotBound},
		{core.ErrDeviceNotFound, CodeDeviceNotBound},
		{core.ErrDeviceOffline, CodeDeviceOffline},
		{core.ErrDeviceDisabled, CodeDeviceOffline},
		{core.ErrProductNotFound, CodeModelNotFound},
		{partners.ErrPositionNotFound, CodePositionNotFound},
		{partners.ErrPositionNotEmpty, CodePositionNotEmpty},
		{partners.ErrPositionTooDeep, CodePositionTooDeep},
		{partners.ErrNoUserApp, CodeAppNotActivated},
		{partners.ErrAccountType, CodeAccountType},
		{partners.ErrAccountNotFound, CodeAccountNotFound},
		{partners.ErrAccountExists, CodeAccountExists},
		{partners.ErrAuthCodeWrong, CodeAuthCodeWrong},
		{partners.ErrAuthCodeInvalid, CodeAuthCodeInvalid},
		{partners.ErrAuthCodeTooOften, CodeAuthCodeTooOften},
		{partners.ErrRefreshInvalid, CodeRefreshWrong},
		{partners.ErrRefreshExpired, CodeRefreshExpired},
	} {
		if errors.Is(err, m.err) {
			// Only the part meant for clients: "LED_R must be ...",
			// never the chain ("core: invalid input: datapoint: ...").
			return m.code, core.Detail(err)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CodeTimeout, "timed out"
	}
	return CodeInternal, err.Error()
}

// fromCore is coreCode as a handler's return values.
func fromCore(err error) (any, Code, string) {
	c, d := coreCode(err)
	return nil, c, d
}
