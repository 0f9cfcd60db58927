// Package aqara is the Aqara-compatible open API (v3 intent API): one
// endpoint, POST /v3.0/open/api, whose JSON body names an intent and carries
// its data, signed with the Aqara request signature (codec/aqarasign) by a
// partner (core.Node.Partner). Every answer is HTTP 200 with the Aqara
// envelope (envelope.go); the outcome is in its code (codes.go).
//
// Intents live in one table (intents.go), so a new intent is one line there
// plus its handler. docs/protocol-aqara.md says what is implemented.
package aqara

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
	"github.com/switchboard-iot/switchboard/metrics"
	"github.com/switchboard-iot/switchboard/partners"
)

// Path is the one endpoint of the intent API.
const Path = "/v3.0/open/api"

// Window is the accepted distance between a request's Time and the
// server's clock, either way.
const Window = 5 * time.Minute

// replayEntries bounds the replay cache: at 16 bytes of key plus overhead,
// about 20 MB at worst, and 330 signed requests a second sustained over the
// 10-minute retention before anything is evicted early.
const replayEntries = 200_000

// Options configure the API.
type Options struct {
	Node Core
	// Partners is the partner domain the intents act on.
	Partners Partners
	Logger   *slog.Logger
	Metrics  *metrics.Metrics
	// Now is the clock; nil means time.Now (tests may pin it).
	Now func() time.Time
}

// API serves the intent endpoint.
type API struct {
	node     Core
	partners Partners
	log      *slog.Logger
	metrics  metrics.Adapter
	// metricsSet is the whole set, for the pusher's series.
	metricsSet *metrics.Metrics
	now        func() time.Time
	replay     *replayCache
	intents    map[string]intent
}

// New returns the API with an empty replay cache.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &API{
		node:       o.Node,
		partners:   o.Partners,
		log:        o.Logger.With("adapter", "aqara"),
		metrics:    o.Metrics.Adapter("aqara"),
		metricsSet: o.Metrics,
		now:        o.Now,
		replay:     newReplayCache(2*Window, replayEntries),
		intents:    intentTable(),
	}
}

// Register adds the endpoint to mux for every method, so a GET gets the
// envelope with 304 rather than the mux's text 405.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc(Path, a.serve)
}

// call is one request after authentication.
type call struct {
	reqID       string
	partner     partners.Partner
	accessToken string // Accesstoken header, "" when absent
	uid         string // the account the token is for (intents with needsToken)
	data        []byte // intent data; nil when absent or null
}

// serve checks, in order: method, signing headers, partner, signature and
// freshness, suspension, nonce replay, body, intent.
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	a.metrics.In.Inc()
	defer a.metrics.Out.Inc()
	reqID := newRequestID()
	fail := func(c Code, details string) {
		if c == CodeInternal { // details is then an internal error: log only
			a.log.Error("request failed", "request_id", reqID, "err", details)
			details = ""
		} else {
			a.log.Debug("refused", "request_id", reqID, "code", int(c), "details", details)
		}
		write(w, reqID, c, details, nil)
	}
	if r.Method != http.MethodPost {
		fail(CodeMethod, "use POST, not "+r.Method)
		return
	}
	p, h, c, details := a.authenticate(r)
	if c != CodeSuccess {
		fail(c, details)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		a.metrics.DecodeErrors.Inc()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(CodeParams, "body larger than 64 KiB")
		} else {
			a.log.Info("reading request body", "request_id", reqID, "err", err)
			fail(CodeParams, "body could not be read")
		}
		return
	}
	req, err := parseRequest(body)
	if err != nil {
		a.metrics.DecodeErrors.Inc()
		fail(CodeParams, err.Error())
		return
	}
	in, ok := a.intents[req.Intent]
	if !ok {
		fail(CodeIntentNotOpen, "intent not supported: "+req.Intent)
		return
	}
	cl := call{reqID: reqID, partner: p, accessToken: h.AccessToken, data: req.Data}
	if in.needsToken {
		if cl.accessToken == "" {
			fail(CodeTokenAbsent, "this intent needs the Accesstoken header")
			return
		}
		uid, c, details := a.checkAccessToken(r, cl)
		if c != CodeSuccess {
			fail(c, details)
			return
		}
		cl.uid = uid
	}
	res, c, details := in.h(a, r, cl)
	if c == CodeInternal {
		a.log.Error("intent failed", "request_id", reqID, "intent", req.Intent, "err", details)
		details = ""
	} else if c != CodeSuccess {
		a.log.Debug("refused", "request_id", reqID, "intent", req.Intent, "code", int(c), "details", details)
	}
	write(w, reqID, c, details, res)
}

// authenticate verifies the signing headers against the partner that Appid
// names. On failure it returns the code and a detail for msgDetails.
func (a *API) authenticate(r *http.Request) (partners.Partner, aqarasign.Headers, Code, string) {
	h := aqarasign.HeadersFrom(r.Header)
	for _, f := range []struct{ name, v string }{
		{aqarasign.HeaderAppID, h.AppID}, {aqarasign.HeaderKeyID, h.KeyID},
		{aqarasign.HeaderNonce, h.Nonce}, {aqarasign.HeaderTime, h.Time}, {aqarasign.HeaderSign, h.Sign},
	} {
		if f.v == "" {
			return partners.Partner{}, h, CodeHeader, "missing header " + f.name
		}
	}
	if len(h.AppID) > 64 {
		return partners.Partner{}, h, CodeAppIDIllegal, "unknown Appid"
	}
	p, err := a.partners.Partner(r.Context(), h.AppID)
	switch {
	case errors.Is(err, partners.ErrPartnerNotFound):
		return p, h, CodeAppIDIllegal, "unknown Appid"
	case err != nil:
		a.log.Error("look up partner", "err", err)
		return p, h, CodeInternal, ""
	}
	if h.KeyID != p.KeyID {
		return p, h, CodeBadKeyID, "Keyid is not a key of this Appid"
	}
	now := a.now()
	if err := aqarasign.VerifyRequest(h, p.AppKey, now, Window); err != nil {
		return p, h, verifyCode(err), verifyDetail(err)
	}
	// Suspension is checked after the signature so that only the partner
	// learns it is suspended.
	if p.Suspended {
		return p, h, CodeForbidden, "partner suspended"
	}
	// This node's cache refuses a replay to it without a write; the store
	// refuses one replayed to any other node sharing it.
	if a.replay.seen(h.AppID, h.Nonce, now) {
		return p, h, CodeReplayed, "Nonce already used"
	}
	fresh, err := a.partners.UseNonce(r.Context(), h.AppID, h.Nonce, now, 2*Window)
	if err != nil {
		a.log.Error("record intent nonce", "app_id", h.AppID, "err", err)
		return p, h, CodeInternal, "try again later"
	}
	if !fresh {
		return p, h, CodeReplayed, "Nonce already used"
	}
	return p, h, CodeSuccess, ""
}

// verifyCode maps an aqarasign error to its envelope code.
// verifyDetail is msgDetails for a failed verification: which check
// failed, in the partner's terms.
func verifyDetail(err error) string {
	switch {
	case errors.Is(err, aqarasign.ErrStale):
		return "Time is more than 5 minutes from the server's time"
	case errors.Is(err, aqarasign.ErrBadSign):
		return "Sign does not match"
	case errors.Is(err, aqarasign.ErrBadNonce):
		return "Nonce is malformed"
	case errors.Is(err, aqarasign.ErrBadTime):
		return "Time is not milliseconds since 1970"
	}
	var he *aqarasign.HeaderError
	if errors.As(err, &he) && he.Header != "" {
		return "the " + he.Header + " header is missing"
	}
	return "a signing header is missing"
}

func verifyCode(err error) Code {
	switch {
	case errors.Is(err, aqarasign.ErrStale):
		return CodeExpired
	case errors.Is(err, aqarasign.ErrBadSign):
		return CodeBadSign
	default: // ErrMissingHeader, ErrBadNonce, ErrBadTime
		return CodeHeader
	}
}
