package gizapp

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// sessionReply is what sign-up and login return: expire_at in unix seconds.
type sessionReply struct {
	UID      string `json:"uid"`
	Token    string `json:"token"`
	ExpireAt int64  `json:"expire_at"`
}

// createUser: POST /app/users, anonymous (phone_id) or username/email with
// password, 201 {"uid","token","expire_at"}. An anonymous install that
// exists is signed in again, also with 201: the JS SDK does this on every
// page load and only checks for a 2xx.
func (a *API) createUser(w http.ResponseWriter, r *http.Request, c caller) {
	var req struct {
		PhoneID  string          `json:"phone_id"`
		Username string          `json:"username"`
		Email    string          `json:"email"`
		Password string          `json:"password"`
		Phone    string          `json:"phone"`
		Code     string          `json:"code"`
		Lang     string          `json:"lang"`
		AuthData json.RawMessage `json:"authData"`
	}
	if !a.decodeBody(w, r, &req) {
		return
	}
	if req.Phone != "" || req.Code != "" || len(req.AuthData) > 0 {
		// Both need a party Switchboard does not talk to (an SMS gateway,
		// a third-party OAuth provider).
		gizerr.Write(w, gizerr.FormInvalid, "sign-up by phone code or authData is not supported; use phone_id, username or email")
		return
	}
	if len(req.Lang) > 16 {
		gizerr.Write(w, gizerr.FormInvalid, "lang longer than 16")
		return
	}
	if !a.signUpAllowed(r, c.appID, req.PhoneID, req.Username == "" && req.Email == "") {
		w.Header().Set("Retry-After", "1")
		gizerr.Write(w, gizerr.Throttled, "too many sign-ins from this address or install")
		return
	}
	_, s, _, err := a.node.CreateUser(r.Context(), c.appID, core.NewUser{
		PhoneID: req.PhoneID, Username: req.Username, Email: req.Email, Password: req.Password, Lang: req.Lang,
	})
	if err != nil {
		a.accountError(w, "create user", err)
		return
	}
	writeJSON(w, http.StatusCreated, sessionReply{UID: s.UID, Token: s.Token, ExpireAt: s.ExpiresAt.Unix()})
}

// signUpAllowed applies the budget of a POST /app/users: an anonymous
// sign-in (phone_id alone) the generous per-address budget and its
// phone_id's own; a sign-up with a password the login budget.
func (a *API) signUpAllowed(r *http.Request, appID, phoneID string, anonymous bool) bool {
	if phoneID != "" && anonymous {
		return a.limits.anon.allow(r.Context(), clientIP(r)) && a.limits.phoneID.allow(r.Context(), appID+"/"+phoneID)
	}
	return a.limits.login.allow(r.Context(), clientIP(r))
}

// login: POST /app/login {"username","password"}; username may be an
// email or phone, as in the Open API.
func (a *API) login(w http.ResponseWriter, r *http.Request, c caller) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !a.decodeBody(w, r, &req) {
		return
	}
	if req.Username == "" || req.Password == "" {
		gizerr.Write(w, gizerr.FormInvalid, "username and password are required")
		return
	}
	_, s, err := a.node.Login(r.Context(), c.appID, req.Username, req.Password)
	if err != nil {
		a.accountError(w, "login", err)
		return
	}
	writeJSON(w, http.StatusOK, sessionReply{UID: s.UID, Token: s.Token, ExpireAt: s.ExpiresAt.Unix()})
}

// requestToken: POST /app/request_token with X-Gizwits-Application-Auth =
// lower(md5(appid+appsecret)) -> {"token","expired_at"} (the Open API
// really spells this one expired_at).
func (a *API) requestToken(w http.ResponseWriter, r *http.Request, c caller) {
	s, err := a.node.AppToken(r.Context(), c.appID, r.Header.Get(hdrAppAuth))
	if err != nil {
		a.accountError(w, "app token", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": s.Token, "expired_at": s.ExpiresAt.Unix()})
}

// userView is GET /app/users. Unset fields are "" rather than null so
// clients can show them without checks.
type userView struct {
	UID         string `json:"uid"`
	Username    string `json:"username"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Name        string `json:"name"`
	Gender      string `json:"gender"`
	Birthday    string `json:"birthday"`
	Address     string `json:"address"`
	Remark      string `json:"remark"`
	Lang        string `json:"lang"`
	IsAnonymous bool   `json:"is_anonymous"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// timeLayout is how the Open API prints times in lists (UTC, seconds).
const timeLayout = "2006-01-02T15:04:05Z"

func (a *API) getUser(w http.ResponseWriter, _ *http.Request, c caller) {
	u := c.user
	writeJSON(w, http.StatusOK, userView{
		UID: u.UID, Username: u.Username, Email: u.Email, Phone: u.Phone,
		Name: u.Name, Gender: u.Gender, Birthday: u.Birthday, Address: u.Address, Remark: u.Remark, Lang: u.Lang,
		IsAnonymous: anonymous(u),
		CreatedAt:   u.CreatedAt.UTC().Format(timeLayout), UpdatedAt: u.UpdatedAt.UTC().Format(timeLayout),
	})
}

// anonymous: a user with nothing to log in with (signed up by phone_id).
func anonymous(u store.User) bool { return u.Username == "" && u.Email == "" && u.Phone == "" }

// updatedAtLayout is the PUT /app/users reply's format in the Open API's
// example ("2017-01-01T08:32:56.996638", UTC without a zone).
const updatedAtLayout = "2006-01-02T15:04:05.000000"

// updateUser: PUT /app/users. Profile fields; username/email (with
// password) to turn an anonymous user into a registered one; old_pwd and
// new_pwd to change a password.
func (a *API) updateUser(w http.ResponseWriter, r *http.Request, c caller) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	upd, err := parseUserUpdate(body)
	if err != nil {
		a.formError(w, err)
		return
	}
	u := c.user
	pw, code, msg := a.passwordChange(r, c, upd)
	if code != 0 {
		gizerr.Write(w, code, msg)
		return
	}
	upd.apply(&u)
	if u.Username == "" && u.Email == "" && u.Phone == "" && pw != "" {
		gizerr.Write(w, gizerr.FormInvalid, "a password needs a username or email to log in with")
		return
	}
	if !anonymous(u) && u.PasswordHash == "" && pw == "" {
		gizerr.Write(w, gizerr.FormInvalid, "a username or email needs a password")
		return
	}
	saved, err := a.node.UpdateUser(r.Context(), u, pw, r.Header.Get(hdrUserToken))
	if err != nil {
		a.accountError(w, "update user", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"updatedAt": saved.UpdatedAt.UTC().Format(updatedAtLayout)})
}

// passwordChange decides the new password of an update: "password" sets
// the first one (anonymous conversion), old_pwd/new_pwd replace one after
// checking the old. It returns the password to set ("" for none) or a
// refusal.
func (a *API) passwordChange(r *http.Request, c caller, upd userUpdate) (string, gizerr.Code, string) {
	u := c.user
	switch {
	case upd.Password != nil && (upd.OldPwd != nil || upd.NewPwd != nil):
		return "", gizerr.FormInvalid, "give password, or old_pwd with new_pwd, not both"
	case upd.Password != nil:
		if u.PasswordHash != "" {
			return "", gizerr.FormInvalid, "the user has a password; change it with old_pwd and new_pwd"
		}
		return *upd.Password, 0, ""
	case upd.OldPwd != nil || upd.NewPwd != nil:
		if upd.OldPwd == nil || upd.NewPwd == nil || *upd.NewPwd == "" {
			return "", gizerr.FormInvalid, "old_pwd and new_pwd go together"
		}
		// A password check costs an argon2id run and is a guess at the
		// old password, so it shares the login limit.
		if !a.limits.login.allow(r.Context(), clientIP(r)) {
			return "", gizerr.Throttled, "too many password attempts from this address"
		}
		login := loginName(u)
		if u.PasswordHash == "" || login == "" {
			return "", gizerr.UsernamePassword, "the user has no password yet"
		}
		if err := a.node.CheckPassword(r.Context(), u, *upd.OldPwd); err != nil {
			return "", gizerr.UsernamePassword, "old_pwd is wrong"
		}
		return *upd.NewPwd, 0, ""
	}
	return "", 0, ""
}

// loginName is what the user logs in with.
func loginName(u store.User) string {
	switch {
	case u.Username != "":
		return u.Username
	case u.Email != "":
		return u.Email
	}
	return u.Phone
}

// accountError maps the core's account errors to Gizwits codes.
func (a *API) accountError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, core.ErrAppNotFound):
		gizerr.Write(w, gizerr.AppIDInvalid, "")
	case errors.Is(err, core.ErrBadLogin):
		gizerr.Write(w, gizerr.UsernamePassword, "")
	case errors.Is(err, core.ErrUserNotFound):
		gizerr.Write(w, gizerr.UserNotExist, "")
	case errors.Is(err, core.ErrUsernameTaken):
		gizerr.Write(w, gizerr.UsernameUnavailable, "")
	case errors.Is(err, core.ErrEmailTaken):
		gizerr.Write(w, gizerr.EmailUnavailable, "")
	case errors.Is(err, core.ErrPhoneTaken):
		gizerr.Write(w, gizerr.PhoneUnavailable, "")
	case errors.Is(err, core.ErrAppAuth):
		gizerr.Write(w, gizerr.AppAuthInvalid, "")
	case errors.Is(err, core.ErrInvalidInput):
		gizerr.Write(w, gizerr.FormInvalid, core.Detail(err))
	default:
		a.internal(w, what, err)
	}
}
