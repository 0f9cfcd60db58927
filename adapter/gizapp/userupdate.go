package gizapp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-iot/switchboard/internal/httpjson"
	"github.com/switchboard-iot/switchboard/store"
)

// userUpdate is a parsed PUT /app/users body; nil means unchanged.
type userUpdate struct {
	Username, Email, Password, OldPwd, NewPwd     *string
	Name, Gender, Birthday, Address, Lang, Remark *string
}

// Bounds of profile fields; the Open API states none, these fit any real
// name or address and keep rows small.
var profileLimits = map[string]int{
	"name": 64, "gender": 1, "birthday": 10, "address": 256, "lang": 16, "remark": 1024,
}

// parseUserUpdate reads and checks the fields of PUT /app/users. Phone
// changes need an SMS code Switchboard cannot send, so they are refused.
func parseUserUpdate(body []byte) (userUpdate, error) {
	var req struct {
		Username *string `json:"username"`
		Email    *string `json:"email"`
		Password *string `json:"password"`
		OldPwd   *string `json:"old_pwd"`
		NewPwd   *string `json:"new_pwd"`
		Phone    *string `json:"phone"`
		Code     *string `json:"code"`
		Name     *string `json:"name"`
		Gender   *string `json:"gender"`
		Birthday *string `json:"birthday"`
		Address  *string `json:"address"`
		Lang     *string `json:"lang"`
		Remark   *string `json:"remark"`
	}
	if err := httpjson.Decode(body, &req); err != nil {
		return userUpdate{}, err
	}
	if req.Phone != nil || req.Code != nil {
		return userUpdate{}, errors.New("changing the phone needs an SMS code, which is not supported")
	}
	u := userUpdate{
		Username: req.Username, Email: req.Email, Password: req.Password, OldPwd: req.OldPwd, NewPwd: req.NewPwd,
		Name: req.Name, Gender: req.Gender, Birthday: req.Birthday, Address: req.Address, Lang: req.Lang, Remark: req.Remark,
	}
	if u == (userUpdate{}) {
		return userUpdate{}, errors.New("nothing to update")
	}
	if u.Username != nil {
		v := strings.TrimSpace(*u.Username)
		if v == "" || len(v) > 64 {
			return userUpdate{}, errors.New("username must be 1 to 64 characters")
		}
		u.Username = &v
	}
	if u.Email != nil {
		v := strings.ToLower(strings.TrimSpace(*u.Email))
		if len(v) < 3 || len(v) > 254 || !strings.Contains(v, "@") {
			return userUpdate{}, errors.New("email malformed")
		}
		u.Email = &v
	}
	for name, p := range map[string]*string{
		"name": u.Name, "gender": u.Gender, "birthday": u.Birthday, "address": u.Address, "lang": u.Lang, "remark": u.Remark,
	} {
		if p != nil && len(*p) > profileLimits[name] {
			return userUpdate{}, fmt.Errorf("%s longer than %d", name, profileLimits[name])
		}
	}
	if u.Gender != nil && *u.Gender != "" && !strings.Contains("MFN", *u.Gender) {
		return userUpdate{}, errors.New("gender must be M, F or N")
	}
	if u.Birthday != nil && *u.Birthday != "" && !validBirthday(*u.Birthday) {
		return userUpdate{}, errors.New("birthday must be YYYY-MM-DD or MM-DD")
	}
	return u, nil
}

// validBirthday accepts the Open API's YYYY-MM-DD and MM-DD shapes.
func validBirthday(s string) bool {
	if len(s) == 10 {
		if s[4] != '-' || !digits(s[:4]) {
			return false
		}
		s = s[5:]
	}
	if len(s) != 5 || s[2] != '-' || !digits(s[:2]) || !digits(s[3:]) {
		return false
	}
	m, d := (s[0]-'0')*10+s[1]-'0', (s[3]-'0')*10+s[4]-'0'
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// apply lays the profile and login fields over u (not the password, which
// the core hashes).
func (upd userUpdate) apply(u *store.User) {
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = *p
		}
	}
	set(&u.Username, upd.Username)
	set(&u.Email, upd.Email)
	set(&u.Name, upd.Name)
	set(&u.Gender, upd.Gender)
	set(&u.Birthday, upd.Birthday)
	set(&u.Address, upd.Address)
	set(&u.Lang, upd.Lang)
	set(&u.Remark, upd.Remark)
}
