package aqara

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
)

// Auth intents (notes aqara.md §2.1, §5). Accounts are users of the
// partner's user app; docs/protocol-aqara.md tells the two flows.

// parseValidity reads accessTokenValidity: "1h".."24h", "1d".."30d" or
// "1y".."10y"; "" is the default (7 days).
func parseValidity(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return partners.DefaultPartnerTokenTTL, nil
	}
	bad := fmt.Errorf("accessTokenValidity %q: use 1h..24h, 1d..30d or 1y..10y", s)
	if len(s) < 2 {
		return 0, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 {
		return 0, bad
	}
	switch s[len(s)-1] {
	case 'h':
		if n <= 24 {
			return time.Duration(n) * time.Hour, nil
		}
	case 'd':
		if n <= 30 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	case 'y':
		if n <= 10 {
			return time.Duration(n) * 365 * 24 * time.Hour, nil
		}
	}
	return 0, bad
}

// tokenResult is the result of getToken and refreshToken (and of
// createAccount with needAccessToken). expiresIn is a string of seconds.
type tokenResult struct {
	ExpiresIn    string `json:"expiresIn"`
	OpenID       string `json:"openId"`
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

func viewTokens(t partners.PartnerTokens) tokenResult {
	return tokenResult{ExpiresIn: strconv.FormatInt(int64(t.ExpiresIn/time.Second), 10), OpenID: t.OpenID,
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken}
}

// getAuthCode is config.auth.getAuthCode {account, accountType,
// accessTokenValidity?}. For a virtual account (2) the code is in the
// result: the partner owns the account. For a real user (0) the result's
// authCode is "": the user reads the code in the console (or the operator
// in the admin API), Switchboard's stand-in for Aqara's SMS, and hands it
// to the partner, which is the user's consent.
func (a *API) getAuthCode(r *http.Request, c call) (any, Code, string) {
	var data struct {
		Account     string  `json:"account"`
		AccountType flexInt `json:"accountType"`
		Validity    string  `json:"accessTokenValidity"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.Account == "" {
		return nil, CodeParams, `"data.account" is required`
	}
	validity, err := parseValidity(data.Validity)
	if err != nil {
		return nil, CodeParams, err.Error()
	}
	code, err := a.partners.RequestAuthCode(r.Context(), c.partner, data.Account, int(data.AccountType), validity)
	if err != nil {
		return fromCore(err)
	}
	if int(data.AccountType) != partners.AccountVirtual {
		code = ""
	}
	return map[string]string{"authCode": code}, CodeSuccess, ""
}

// getToken is config.auth.getToken {authCode, account, accountType}.
func (a *API) getToken(r *http.Request, c call) (any, Code, string) {
	var data struct {
		AuthCode    string  `json:"authCode"`
		Account     string  `json:"account"`
		AccountType flexInt `json:"accountType"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.AuthCode == "" || data.Account == "" {
		return nil, CodeParams, `"data.authCode" and "data.account" are required`
	}
	t, err := a.partners.ExchangeAuthCode(r.Context(), c.partner, data.Account, int(data.AccountType), data.AuthCode)
	if err != nil {
		return fromCore(err)
	}
	return viewTokens(t), CodeSuccess, ""
}

// refreshToken is config.auth.refreshToken {refreshToken}: a new pair;
// the old one stops working.
func (a *API) refreshToken(r *http.Request, c call) (any, Code, string) {
	var data struct {
		RefreshToken string `json:"refreshToken"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.RefreshToken == "" {
		return nil, CodeParams, `"data.refreshToken" is required`
	}
	t, err := a.partners.RefreshPartnerToken(r.Context(), c.partner, data.RefreshToken)
	if err != nil {
		return fromCore(err)
	}
	return viewTokens(t), CodeSuccess, ""
}

// createAccount is config.auth.createAccount {accountId, remark?,
// needAccessToken?, accessTokenValidity?}.
func (a *API) createAccount(r *http.Request, c call) (any, Code, string) {
	var data struct {
		AccountID string `json:"accountId"`
		Remark    string `json:"remark"`
		NeedToken bool   `json:"needAccessToken"`
		Validity  string `json:"accessTokenValidity"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.AccountID == "" {
		return nil, CodeParams, `"data.accountId" is required`
	}
	validity, err := parseValidity(data.Validity)
	if err != nil {
		return nil, CodeParams, err.Error()
	}
	openID, t, err := a.partners.CreateVirtualAccount(r.Context(), c.partner, data.AccountID, data.Remark, data.NeedToken, validity)
	if err != nil {
		return fromCore(err)
	}
	if t == nil {
		return map[string]string{"openId": openID}, CodeSuccess, ""
	}
	return viewTokens(*t), CodeSuccess, ""
}

// appInitResult is the result of config.app.init ([appsdk]).
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

// appInit is config.app.init (data ignored): the App SDK's session for the
// account. Its token is the caller's access token (the SDK calls this
// server with it), expiresIn that token's remaining lifetime, positionId
// the account's first home ("" when it has none), appRequestDomain the host
// the call reached. appKey stays "": the signing key is never handed to an
// app.
func (a *API) appInit(r *http.Request, c call) (any, Code, string) {
	t, err := a.partners.PartnerToken(r.Context(), c.partner, c.accessToken)
	if err != nil {
		return fromCore(err)
	}
	res := appInitResult{UserID: c.uid, Token: c.accessToken, AppRequestDomain: r.Host, AppID: c.partner.AppID,
		ExpiresIn: max(int(time.Until(t.AccessExpiresAt)/time.Second), 0)}
	if homes, _, err := a.partners.Positions(r.Context(), c.uid, "", 1, 0); err == nil && len(homes) > 0 {
		res.PositionID = homes[0].PositionID
	}
	return res, CodeSuccess, ""
}

// appTokenExpire is config.app.tokenExpire {token}: the partner says an App
// SDK token (an access token, see appInit) is dead, so it is revoked.
// Revoking an unknown token succeeds, like a logout.
func (a *API) appTokenExpire(r *http.Request, c call) (any, Code, string) {
	var data struct {
		Token *string `json:"token"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.Token == nil || *data.Token == "" {
		return nil, CodeParams, `"data.token" is required`
	}
	if err := a.partners.RevokePartnerToken(r.Context(), c.partner, *data.Token); err != nil {
		return fromCore(err)
	}
	return nil, CodeSuccess, ""
}
