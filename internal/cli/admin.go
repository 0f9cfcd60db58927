package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/server"
)

const adminUsage = `Usage: switchboard admin [flags] <resource> <verb> [args]

  products create <file.json>      upload a product datapoint definition
  products list
  products get <product_key>
  apps create <name>
  apps list
  devices list [product_key]
  devices get <did>                the device, is_online and its latest datapoints
  devices register <product_key> <mac> [passcode]
  devices disable <did> | enable <did> | delete <did>
  devices write <did> name=value ...   values are JSON (true, 3, "pink") or plain text
  devices read <did>
  users revoke-tokens <uid>        end every token of an app user
  partners create <name> [push_url [user_app_id]]   an Aqara-style partner with fresh keys,
                                   acting for the users of user_app_id; pushes signed
  partners list
  partners get <app_id>
  partners disable <app_id> [reason...]   refuse its calls and hold its pushes
  partners enable <app_id>         undo disable
  partners push-enable <app_id>    resume pushes the failure rule suspended
  partners auth-codes <app_id>     pending consent codes (config.auth.getAuthCode)
  partners failed-pushes <app_id>  pushes that failed in the last 12 hours

Flags:
`

// adminFlags are shared by admin and devsim: where the server is and how to
// authenticate.
type adminFlags struct {
	server, token, dataDir string
}

func (a *adminFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.server, "server", "http://127.0.0.1:8080", "the server's HTTP base URL")
	fs.StringVar(&a.token, "admin-token", "", "admin bearer token (default: read from --data-dir)")
	fs.StringVar(&a.dataDir, "data-dir", "./data", "a local server's data dir, to read its generated admin token")
}

func (a *adminFlags) client() (*adminclient.Client, error) {
	tok := a.token
	if tok == "" {
		t, err := server.ReadAdminToken(a.dataDir)
		if err != nil {
			return nil, fmt.Errorf("no --admin-token given and none readable in --data-dir %s: %v", a.dataDir, err)
		}
		tok = t
	}
	return adminclient.New(a.server, tok), nil
}

func adminCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("admin", stderr)
	var af adminFlags
	af.register(fs)
	fs.Usage = func() { fmt.Fprint(stderr, adminUsage); fs.PrintDefaults() }
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if len(rest) < 2 {
		fs.Usage()
		return 2
	}
	c, err := af.client()
	if err != nil {
		fmt.Fprintln(stderr, "switchboard admin:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := runAdmin(ctx, c, rest[0], rest[1], rest[2:], stdout); err != nil {
		fmt.Fprintln(stderr, "switchboard admin:", err)
		if errors.Is(err, errUsage) {
			fs.Usage()
			return 2
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("wrong arguments")

func need(args []string, n int) error {
	if len(args) < n {
		return errUsage
	}
	return nil
}

func runAdmin(ctx context.Context, c *adminclient.Client, resource, verb string, args []string, out io.Writer) error {
	switch resource + " " + verb {
	case "products create":
		if err := need(args, 1); err != nil {
			return err
		}
		b, err := os.ReadFile(args[0])
		if err != nil {
			return err
		}
		p, err := c.CreateProduct(ctx, b)
		return printJSON(out, p, err)
	case "products list":
		ps, err := c.ListProducts(ctx)
		if err != nil {
			return err
		}
		tw := table(out, "PRODUCT_KEY\tNAME\tCREATED")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.ProductKey, p.Name, p.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "products get":
		if err := need(args, 1); err != nil {
			return err
		}
		p, err := c.GetProduct(ctx, args[0])
		return printJSON(out, p, err)
	case "apps create":
		if err := need(args, 1); err != nil {
			return err
		}
		a, err := c.CreateApp(ctx, strings.Join(args, " "))
		return printJSON(out, a, err)
	case "apps list":
		as, err := c.ListApps(ctx)
		if err != nil {
			return err
		}
		tw := table(out, "APPID\tNAME\tCREATED")
		for _, a := range as {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.AppID, a.Name, a.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "devices list":
		pk := ""
		if len(args) > 0 {
			pk = args[0]
		}
		ds, err := c.ListDevices(ctx, pk, 1000, 0)
		if err != nil {
			return err
		}
		tw := table(out, "DID\tPRODUCT_KEY\tMAC\tONLINE\tDISABLED")
		for _, d := range ds {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\n", d.DID, d.ProductKey, d.MAC, d.IsOnline, d.IsDisabled)
		}
		return tw.Flush()
	case "devices get":
		if err := need(args, 1); err != nil {
			return err
		}
		d, err := c.GetDevice(ctx, args[0])
		return printJSON(out, d, err)
	case "devices register":
		if err := need(args, 2); err != nil {
			return err
		}
		pass := ""
		if len(args) > 2 {
			pass = args[2]
		}
		d, err := c.RegisterDevice(ctx, args[0], args[1], pass)
		return printJSON(out, d, err)
	case "devices disable", "devices enable":
		if err := need(args, 1); err != nil {
			return err
		}
		d, err := c.SetDeviceDisabled(ctx, args[0], verb == "disable")
		return printJSON(out, d, err)
	case "devices delete":
		if err := need(args, 1); err != nil {
			return err
		}
		if err := c.DeleteDevice(ctx, args[0]); err != nil {
			return err
		}
		fmt.Fprintln(out, "deleted", args[0])
		return nil
	case "devices write":
		if err := need(args, 2); err != nil {
			return err
		}
		attrs, err := parseAssignments(args[1:])
		if err != nil {
			return err
		}
		if err := c.Write(ctx, args[0], attrs); err != nil {
			return err
		}
		fmt.Fprintln(out, "sent")
		return nil
	case "devices read":
		if err := need(args, 1); err != nil {
			return err
		}
		if err := c.Read(ctx, args[0]); err != nil {
			return err
		}
		fmt.Fprintln(out, "sent")
		return nil
	case "users revoke-tokens":
		if err := need(args, 1); err != nil {
			return err
		}
		n, err := c.RevokeUserTokens(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %d tokens\n", n)
		return nil
	case "partners create":
		if err := need(args, 1); err != nil {
			return err
		}
		ps := adminclient.PartnerSettings{Name: args[0], PushSign: true}
		if len(args) > 1 {
			ps.PushURL = args[1]
		}
		if len(args) > 2 {
			ps.UserAppID = args[2]
		}
		p, err := c.CreatePartner(ctx, ps)
		return printJSON(out, p, err)
	case "partners list":
		ps, err := c.ListPartners(ctx)
		if err != nil {
			return err
		}
		tw := table(out, "APP_ID\tNAME\tPUSH_URL\tSIGNED\tSUSPENDED\tCREATED")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\n", p.AppID, p.Name, p.PushURL, p.PushSign, p.Suspended, p.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "partners get":
		if err := need(args, 1); err != nil {
			return err
		}
		p, err := c.GetPartner(ctx, args[0])
		return printJSON(out, p, err)
	case "partners disable", "partners enable":
		if err := need(args, 1); err != nil {
			return err
		}
		p, err := c.SetPartnerSuspended(ctx, args[0], verb == "disable", strings.Join(args[1:], " "))
		return printJSON(out, p, err)
	case "partners push-enable":
		if err := need(args, 1); err != nil {
			return err
		}
		p, err := c.ResumePartnerPushes(ctx, args[0])
		return printJSON(out, p, err)
	case "partners auth-codes":
		if err := need(args, 1); err != nil {
			return err
		}
		cs, err := c.AuthCodes(ctx, args[0])
		if err != nil {
			return err
		}
		tw := table(out, "UID\tCODE\tEXPIRES")
		for _, ac := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", ac.UID, ac.Code, ac.ExpiresAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "partners failed-pushes":
		if err := need(args, 1); err != nil {
			return err
		}
		ps, err := c.FailedPushes(ctx, args[0])
		return printJSON(out, ps, err)
	}
	return fmt.Errorf("unknown command %q: %w", resource+" "+verb, errUsage)
}

// parseAssignments turns name=value words into attrs; a value that is valid
// JSON is taken as JSON, anything else as a string (an enum label).
func parseAssignments(words []string) (map[string]any, error) {
	attrs := make(map[string]any, len(words))
	for _, w := range words {
		name, raw, ok := strings.Cut(w, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not name=value: %w", w, errUsage)
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			v = raw
		}
		attrs[name] = v
	}
	return attrs, nil
}

func table(out io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

func printJSON(out io.Writer, v any, err error) error {
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
