package mqttgw

import "strings"

// The device topics of notes §1.3.
const (
	topicUplink        = "dev2app/"      // dev2app/<did>[/<clientid>]: device -> apps
	topicDownlink      = "app2dev/"      // app2dev/<did>/<clientid>: apps -> device
	topicServerRequest = "cli2ser_req"   // device -> server requests
	topicServerReply   = "ser2cli_res/"  // ser2cli_res/<did>: server -> device replies
	topicProductNotice = "ser2cli_noti/" // ser2cli_noti/<product_key>: product-wide notices
)

// mayPublish is the publish ACL: a device publishes only to its own uplink
// topics and to the server request topic.
func mayPublish(did, topic string) bool {
	if topic == topicServerRequest {
		return true
	}
	rest, ok := strings.CutPrefix(topic, topicUplink+did)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	// dev2app/<did>/<clientid>: exactly one more level, no wildcards.
	client, ok := strings.CutPrefix(rest, "/")
	return ok && client != "" && !strings.ContainsAny(client, "/+#")
}

// maySubscribe is the subscribe ACL: a device subscribes only to its own
// server replies, its product's notices, and its own downlink topics.
func maySubscribe(did, productKey, filter string) bool {
	switch filter {
	case topicServerReply + did, topicProductNotice + productKey,
		topicDownlink + did + "/#", topicDownlink + did + "/+":
		return true
	}
	client, ok := strings.CutPrefix(filter, topicDownlink+did+"/")
	return ok && client != "" && !strings.ContainsAny(client, "/+#")
}

// parseUplink splits dev2app/<did>[/<clientid>] (already ACL-checked).
func parseUplink(did, topic string) (clientID string) {
	rest := strings.TrimPrefix(topic, topicUplink+did)
	return strings.TrimPrefix(rest, "/")
}
