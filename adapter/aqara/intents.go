package aqara

import (
	"net/http"
)

// handler runs one intent for an authenticated call. It returns the result
// (nil for none), the code, and for an error code a detail for
// msgDetails (for CodeInternal the detail is logged, not sent).
type handler func(a *API, r *http.Request, c call) (result any, code Code, details string)

// intent is one entry of the intent table.
type intent struct {
	// needsToken: the call acts for a user, so the Accesstoken header must
	// be present (109) and valid (108). Intents without it ignore the
	// header, except that it takes part in the signature.
	needsToken bool
	h          handler
}

// intentTable maps intent names to handlers. Every other name answers
// CodeIntentNotOpen.
func intentTable() map[string]intent {
	return map[string]intent{
		"config.app.init":        {needsToken: true, h: (*API).appInit},
		"config.app.tokenExpire": {h: (*API).appTokenExpire},
	}
}

// checkAccessToken judges the Accesstoken of an intent that needs a user.
// Switchboard issues no Aqara access tokens yet (config.auth.* is not
// implemented), so none is valid: every token gets 108, the code all
// clients answer by refreshing (notes §3). When tokens exist this looks
// the token up for c.partner and returns 108 for unknown or expired ones.
func (a *API) checkAccessToken(_ *http.Request, _ call) (Code, string) {
	return CodeTokenExpired, "access token unknown or expired"
}

// appInitResult is the result of config.app.init ([appsdk]); appInit
// fills it once App SDK tokens exist.
type appInitResult struct {
	UserID           string `json:"userId"`
	Token            string `json:"token"`
	AppRequestDomain string `json:"appRequestDomain"`
	ExpiresIn        int    `json:"expiresIn"` // seconds, an int here (not a string as in config.auth.*)
	PositionID       string `json:"positionId"`
	BaseH5URL        string `json:"baseH5Url"`
	BaseImageURL     string `json:"baseImageUrl"`
	AppID            string `json:"appId"`
	AppKey           string `json:"appKey"`
}

// appInit is config.app.init: data is empty (null, absent or an object
// whose fields are ignored). It needs a user (needsToken), and since no
// access token is valid yet (checkAccessToken) it is never reached with
// one; it stays as the frame for the App SDK work and answers 500 until
// App SDK tokens exist.
func (a *API) appInit(_ *http.Request, c call) (any, Code, string) {
	var data struct{}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	return nil, CodeInternal, "config.app.init reached without App SDK token support"
}

// appTokenExpire is config.app.tokenExpire: data {"token": string},
// required. The partner tells Switchboard an App SDK token is dead.
// Switchboard issues no App SDK tokens yet, so there is nothing to revoke;
// like a logout it succeeds for any well-formed token. No result (null).
func (a *API) appTokenExpire(_ *http.Request, c call) (any, Code, string) {
	var data struct {
		Token *string `json:"token"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.Token == nil || *data.Token == "" {
		return nil, CodeParams, `"data.token" is required`
	}
	return nil, CodeSuccess, ""
}
