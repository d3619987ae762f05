/*
 * test_config_bad.c - what a user sees for a broken config file.
 *
 * Every file in tests/configs/bad/ is listed in bad_cases[] with the exact
 * first message, FILE:LINE: text, and the number of messages: the line
 * must point at the offending setting and nothing may cascade.  Paths are
 * relative to the repository root, where tests/run-all starts the tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "../../src/config/internal.h"

struct bad_case {
	const char *name; /* tests/configs/bad/NAME.cfg */
	size_t n_errors;
	const char *first;
};

/* One line per case, unsplit, so a message can be grepped for. */
/* clang-format off */
static const struct bad_case bad_cases[] = {
	{ "bad_address", 1,
	  "tests/configs/bad/bad_address.cfg:2: 'address' '192.168.1.300' is not an IPv4 address" },
	{ "bad_body_regex", 1,
	  "tests/configs/bad/bad_body_regex.cfg:9: bad regex 'a{2,1}': numbers out of order in {} quantifier at offset 5" },
	{ "bad_cidr", 1,
	  "tests/configs/bad/bad_cidr.cfg:3: bad network '10.0.0.0/33': prefix must be 0..32" },
	{ "bad_duration", 1,
	  "tests/configs/bad/bad_duration.cfg:2: 'interval' bad duration '5 s' (use ms, s, m, h or d, e.g. \"5s\")" },
	{ "bad_duration_unit", 1,
	  "tests/configs/bad/bad_duration_unit.cfg:2: 'interval' bad duration '5sec' (use ms, s, m, h or d, e.g. \"5s\")" },
	{ "bad_filter", 1,
	  "tests/configs/bad/bad_filter.cfg:3: bad filter 'port ssh and': can't parse filter expression: syntax error" },
	{ "bad_host_name", 1,
	  "tests/configs/bad/bad_host_name.cfg:2: bad host name 'my router' (1..31 of A-Z a-z 0-9 _ . -)" },
	{ "bad_level", 1,
	  "tests/configs/bad/bad_level.cfg:2: 'level' 'verbose' is not one of: error, warning, notice, info, debug" },
	{ "bad_listen", 1,
	  "tests/configs/bad/bad_listen.cfg:4: bad listen address 'localhost:9775' (use ADDR:PORT or [V6]:PORT)" },
	{ "bad_pattern", 1,
	  "tests/configs/bad/bad_pattern.cfg:9: 'ok' 'blink' is not one of: off, on, slow_blink, fast_blink, heartbeat, activity" },
	{ "bad_regex", 1,
	  "tests/configs/bad/bad_regex.cfg:9: bad regex 'SSH-(2': missing closing parenthesis at offset 6" },
	{ "bad_regex_utf", 1,
	  "tests/configs/bad/bad_regex_utf.cfg:9: bad regex '(*UTF)SSH-2\\.0': using UTF is disabled by the application at offset 6" },
	{ "bad_url", 1,
	  "tests/configs/bad/bad_url.cfg:6: 'url' 'ftp://192.168.1.1/' must start with http:// or https://" },
	{ "bad_user", 1,
	  "tests/configs/bad/bad_user.cfg:2: 'user' 'Root User' is not a valid user name" },
	{ "buzzer_no_pin", 1,
	  "tests/configs/bad/buzzer_no_pin.cfg:5: buzzer needs a 'pin'" },
	{ "capture_ring_small", 1,
	  "tests/configs/bad/capture_ring_small.cfg:3: 'buffer_kib' 256 out of range 1024..262144" },
	{ "reverse_dns_rate", 1,
	  "tests/configs/bad/reverse_dns_rate.cfg:4: 'reverse_dns_rate' 500 out of range 1..50" },
	{ "reverse_dns_server", 1,
	  "tests/configs/bad/reverse_dns_server.cfg:4: 'reverse_dns_server' 'router.lan' must be an IPv4 or IPv6 address" },
	{ "cert_days_inverted", 1,
	  "tests/configs/bad/cert_days_inverted.cfg:9: cert_days warning (7) must be above critical (21)" },
	{ "check_name_too_long", 1,
	  "tests/configs/bad/check_name_too_long.cfg:5: check name 'a-rather-long-host-name-of-31ch/trace' is too long; give the check a 'name'" },
	{ "check_timeout", 1,
	  "tests/configs/bad/check_timeout.cfg:6: timeout (20s) must be below interval (10s)" },
	{ "cidr_host_bits", 1,
	  "tests/configs/bad/cidr_host_bits.cfg:2: bad network '192.168.1.5/24': has host bits set" },
	{ "debounce_range", 1,
	  "tests/configs/bad/debounce_range.cfg:7: 'debounce' 1s out of range 5ms..500ms" },
	{ "dns_qtype", 1,
	  "tests/configs/bad/dns_qtype.cfg:6: 'qtype' 'AXFR' is not one of: A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT" },
	{ "dns_server", 1,
	  "tests/configs/bad/dns_server.cfg:6: 'server' 'dns.google' must be an IPv4 or IPv6 address" },
	{ "dup_check", 1,
	  "tests/configs/bad/dup_check.cfg:7: duplicate check name 'router/ping' (first at line 6)" },
	{ "dup_check_across", 1,
	  "tests/configs/bad/dup_check_across.cfg:10: duplicate check name 'web' (first at line 5)" },
	{ "dup_group", 1,
	  "tests/configs/bad/dup_group.cfg:7: duplicate group name 'g' (first at line 6)" },
	{ "dup_host", 1,
	  "tests/configs/bad/dup_host.cfg:4: duplicate host name 'nas' (first at line 2)" },
	{ "dup_led", 1,
	  "tests/configs/bad/dup_led.cfg:7: duplicate LED name 'x' (first at line 6)" },
	{ "duration_float", 1,
	  "tests/configs/bad/duration_float.cfg:2: 'interval' must be a duration (\"5s\") or seconds" },
	{ "duration_negative", 1,
	  "tests/configs/bad/duration_negative.cfg:2: 'interval' bad duration -5" },
	{ "duration_no_unit", 1,
	  "tests/configs/bad/duration_no_unit.cfg:2: 'interval' bad duration '5' (use ms, s, m, h or d, e.g. \"5s\")" },
	{ "duration_range", 1,
	  "tests/configs/bad/duration_range.cfg:2: 'interval' 2d out of range 1s..1d" },
	{ "exec_relative", 1,
	  "tests/configs/bad/exec_relative.cfg:8: 'command' must start with an absolute path, not 'check_disk'" },
	{ "group_not_group", 1,
	  "tests/configs/bad/group_not_group.cfg:1: 'daemon' must be a group { ... }" },
	{ "group_unknown_host", 1,
	  "tests/configs/bad/group_unknown_host.cfg:8: group 'g': unknown host 'b'" },
	{ "hosts_not_list", 1,
	  "tests/configs/bad/hosts_not_list.cfg:1: 'hosts' must be a list" },
	{ "iface_name", 1,
	  "tests/configs/bad/iface_name.cfg:2: bad interface name 'a-very-long-interface0'" },
	{ "include_error", 1,
	  "tests/configs/bad/include_error.inc:3: unknown parent 'router'" },
	{ "fail_after_range", 1,
	  "tests/configs/bad/fail_after_range.cfg:6: 'fail_after' 0 out of range 1..100" },
	{ "grace_range", 1,
	  "tests/configs/bad/grace_range.cfg:3: 'grace' 20m out of range 1s..10m" },
	{ "include_missing", 1,
	  "tests/configs/bad/include_missing.cfg:2: cannot open include file" },
	{ "int_range", 1,
	  "tests/configs/bad/int_range.cfg:6: 'count' 0 out of range 1..100" },
	{ "key_other_type", 1,
	  "tests/configs/bad/key_other_type.cfg:8: key 'port' does not apply to a ping check" },
	{ "lcd_address", 1,
	  "tests/configs/bad/lcd_address.cfg:6: 'address' 0x80 out of range 0x03..0x77" },
	{ "lcd_bad_page", 1,
	  "tests/configs/bad/lcd_bad_page.cfg:6: unknown page 'graphs' (one of: summary, hosts, traffic, alarms, system)" },
	{ "lcd_custom_no_map", 1,
	  "tests/configs/bad/lcd_custom_no_map.cfg:6: preset 'custom' needs a 'map'" },
	{ "lcd_dup_page", 1,
	  "tests/configs/bad/lcd_dup_page.cfg:7: page 'summary' listed twice" },
	{ "lcd_map_dup_bit", 1,
	  "tests/configs/bad/lcd_map_dup_bit.cfg:10: 'map' bit 3 used by both 'backlight' and 'd7'" },
	{ "lcd_map_no_custom", 1,
	  "tests/configs/bad/lcd_map_no_custom.cfg:7: 'map' needs preset = \"custom\"" },
	{ "lcd_size", 1,
	  "tests/configs/bad/lcd_size.cfg:7: unsupported LCD size 16x4; use 16x2 or 20x4" },
	{ "led_bad_shows", 1,
	  "tests/configs/bad/led_bad_shows.cfg:8: 'shows' 'everything' is not one of: all, host:NAME, check:NAME, group:NAME, heartbeat, activity" },
	{ "led_no_pin", 1,
	  "tests/configs/bad/led_no_pin.cfg:6: led 'status' has no pin (set red, green, yellow, blue or white)" },
	{ "led_unknown_check", 1,
	  "tests/configs/bad/led_unknown_check.cfg:8: led 'web' shows unknown check 'router/http'" },
	{ "led_unknown_host", 1,
	  "tests/configs/bad/led_unknown_host.cfg:8: led 'nas' shows unknown host 'nas'" },
	{ "led_unknown_key", 1,
	  "tests/configs/bad/led_unknown_key.cfg:9: unknown key 'colour' in an LED" },
	{ "listen_port", 1,
	  "tests/configs/bad/listen_port.cfg:3: bad listen address '[::1]:70000' (use ADDR:PORT or [V6]:PORT)" },
	{ "loss_range", 1,
	  "tests/configs/bad/loss_range.cfg:2: 'critical' 120.5 out of range 0..100" },
	{ "min_failed_range", 1,
	  "tests/configs/bad/min_failed_range.cfg:7: 'min_failed' 3 out of range 0..2" },
	{ "missing_address", 1,
	  "tests/configs/bad/missing_address.cfg:2: host 'nas' needs an 'address'" },
	{ "missing_command", 1,
	  "tests/configs/bad/missing_command.cfg:6: exec check of host 'router' needs a 'command'" },
	{ "missing_port", 1,
	  "tests/configs/bad/missing_port.cfg:6: tcp check of host 'router' needs a 'port'" },
	{ "missing_query", 1,
	  "tests/configs/bad/missing_query.cfg:6: dns check of host 'router' needs a 'query'" },
	{ "missing_type", 1,
	  "tests/configs/bad/missing_type.cfg:6: check of host 'router' needs a 'type'" },
	{ "missing_url", 1,
	  "tests/configs/bad/missing_url.cfg:6: http check of host 'router' needs a 'url'" },
	{ "multiple", 3,
	  "tests/configs/bad/multiple.cfg:3: unknown key 'usr' in 'daemon'" },
	{ "no_hosts", 1,
	  "tests/configs/bad/no_hosts.cfg: no 'hosts' list (write hosts = (); for none)" },
	{ "parent_cycle", 1,
	  "tests/configs/bad/parent_cycle.cfg:3: parent cycle: a -> b -> c -> a" },
	{ "payload_range", 1,
	  "tests/configs/bad/payload_range.cfg:6: 'payload' 1500 out of range 0..1472" },
	{ "pin_buzzer_button", 1,
	  "tests/configs/bad/pin_buzzer_button.cfg:9: pin 16 already used by the buzzer (line 6)" },
	{ "pin_file_order", 1,
	  "tests/configs/bad/pin_file_order.cfg:7: pin 5 already used by the button (line 5)" },
	{ "pin_i2c", 1,
	  "tests/configs/bad/pin_i2c.cfg:8: pin 2 is I2C SDA of bus 1 used by the LCD" },
	{ "pin_i2c_bus0", 1,
	  "tests/configs/bad/pin_i2c_bus0.cfg:6: pin 1 is I2C SCL of bus 0 used by the LCD" },
	{ "pin_range", 1,
	  "tests/configs/bad/pin_range.cfg:8: pin 31 out of range 0..27" },
	{ "pin_twice", 1,
	  "tests/configs/bad/pin_twice.cfg:10: pin 17 already used by led 'status' (line 6)" },
	{ "ports_both", 1,
	  "tests/configs/bad/ports_both.cfg:9: port 80 is both open and closed" },
	{ "ports_none", 1,
	  "tests/configs/bad/ports_none.cfg:6: ports check of host 'router' needs 'open' or 'closed'" },
	{ "quiet_hours", 1,
	  "tests/configs/bad/quiet_hours.cfg:7: 'quiet_hours' '22:00-25:00' must be HH:MM-HH:MM with HH 00..23 and MM 00..59" },
	{ "quiet_hours_empty", 1,
	  "tests/configs/bad/quiet_hours_empty.cfg:7: 'quiet_hours' '07:00-07:00' is empty (start equals end)" },
	{ "reminder_range", 1,
	  "tests/configs/bad/reminder_range.cfg:7: 'reminder' 30s out of range 0 or 1m..1d" },
	{ "recover_after_range", 1,
	  "tests/configs/bad/recover_after_range.cfg:3: 'recover_after' 101 out of range 1..100" },
	{ "self_parent", 1,
	  "tests/configs/bad/self_parent.cfg:2: host 'router' is its own parent" },
	{ "state_dir_relative", 1,
	  "tests/configs/bad/state_dir_relative.cfg:2: 'state_dir' must be an absolute path" },
	{ "status_range", 1,
	  "tests/configs/bad/status_range.cfg:9: 'status' value 700 out of range 100..599" },
	{ "syntax", 1,
	  "tests/configs/bad/syntax.cfg:3: syntax error" },
	{ "thr_inapplicable", 1,
	  "tests/configs/bad/thr_inapplicable.cfg:9: threshold 'rtt' does not apply to a tcp check" },
	{ "thr_inherited_order", 1,
	  "tests/configs/bad/thr_inherited_order.cfg:8: loss warning (70) must be below critical (60)" },
	{ "thr_order", 1,
	  "tests/configs/bad/thr_order.cfg:2: rtt warning (600ms) must be below critical (500ms)" },
	{ "timeout_ge_interval", 1,
	  "tests/configs/bad/timeout_ge_interval.cfg:3: timeout (5s) must be below interval (5s)" },
	{ "type_bool", 1,
	  "tests/configs/bad/type_bool.cfg:2: 'promiscuous' must be true or false" },
	{ "type_int", 1,
	  "tests/configs/bad/type_int.cfg:6: 'count' must be an integer" },
	{ "type_list", 1,
	  "tests/configs/bad/type_list.cfg:6: 'command' must be a list" },
	{ "type_list_elem", 1,
	  "tests/configs/bad/type_list_elem.cfg:6: 'status' must be a list of integers" },
	{ "type_string", 1,
	  "tests/configs/bad/type_string.cfg:3: 'name' must be a string" },
	{ "unknown_check_key", 1,
	  "tests/configs/bad/unknown_check_key.cfg:8: unknown key 'intervall' in a check of host 'router'" },
	{ "unknown_parent", 1,
	  "tests/configs/bad/unknown_parent.cfg:6: unknown parent 'ruoter'" },
	{ "unknown_threshold_key", 1,
	  "tests/configs/bad/unknown_threshold_key.cfg:2: unknown key 'warn' in 'rtt'" },
	{ "unknown_top_key", 1,
	  "tests/configs/bad/unknown_top_key.cfg:2: unknown top-level key 'hostz'" },
	{ "unknown_type", 1,
	  "tests/configs/bad/unknown_type.cfg:6: 'type' 'pong' is not one of: ping, tcp, http, dns, exec, trace, ports" },
	{ "events_file_relative", 1,
	  "tests/configs/bad/events_file_relative.cfg:2: 'file' must be an absolute path, \"-\" (stdout) or \"\" (none), not 'events.jsonl'" },
	{ "events_rate_limit", 1,
	  "tests/configs/bad/events_rate_limit.cfg:4: 'rate_limit' -1 out of range 0..6000" },
	{ "control_http_no_metrics", 2,
	  "tests/configs/bad/control_http_no_metrics.cfg:3: 'http' = true needs metrics.enabled: the API is served on the metrics listener" },
	{ "control_no_token", 1,
	  "tests/configs/bad/control_no_token.cfg:4: 'http' = true needs a 'token_file'" },
	{ "control_socket_relative", 1,
	  "tests/configs/bad/control_socket_relative.cfg:3: 'socket' must be \"\" (none) or an absolute path of at most 107 bytes" },
	{ "control_group", 1,
	  "tests/configs/bad/control_group.cfg:3: 'group' 'nosuchgroupxyz': no such group" },
	{ "metrics_top_hosts", 1,
	  "tests/configs/bad/metrics_top_hosts.cfg:4: 'top_hosts' 500 out of range 0..100" },
	{ "metrics_allow_prefix", 1,
	  "tests/configs/bad/metrics_allow_prefix.cfg:5: bad network '10.0.0.0/33': prefix must be 0..32" },
	{ "metrics_allow_prefix6", 1,
	  "tests/configs/bad/metrics_allow_prefix6.cfg:4: bad network 'fd77::1/129': prefix must be 0..128" },
	{ "metrics_allow_name", 1,
	  "tests/configs/bad/metrics_allow_name.cfg:4: bad network 'prometheus.lan': is not an address/prefix" },
	{ "metrics_allow_empty", 1,
	  "tests/configs/bad/metrics_allow_empty.cfg:4: 'allow' is empty: list who may connect, or leave it out to let every address" },
	{ "metrics_per_address", 1,
	  "tests/configs/bad/metrics_per_address.cfg:5: 'per_address_limit' 32 is above 'max_connections' 16" },
	{ "metrics_request_timeout", 1,
	  "tests/configs/bad/metrics_request_timeout.cfg:4: 'request_timeout' 500ms out of range 1s..5m" },
	{ "webhook_format", 1,
	  "tests/configs/bad/webhook_format.cfg:4: 'format' 'xml' is not one of: generic, ntfy, gotify, slack, telegram, pushover, discord, matrix, teams, email" },
	{ "webhook_url", 1,
	  "tests/configs/bad/webhook_url.cfg:4: 'url' 'ftp://127.0.0.1/alerts' must start with http:// or https://" },
	{ "webhook_no_url", 1,
	  "tests/configs/bad/webhook_no_url.cfg:3: webhook 'ntfy' needs a 'url'" },
	{ "webhook_dup_name", 1,
	  "tests/configs/bad/webhook_dup_name.cfg:4: duplicate webhook name 'x' (first at line 3)" },
	{ "webhook_min_state", 1,
	  "tests/configs/bad/webhook_min_state.cfg:4: 'min_state' 'ok' is not one of: unknown, warning, critical" },
	{ "webhook_retry", 1,
	  "tests/configs/bad/webhook_retry.cfg:4: 'retry' 100ms out of range 1s..1h" },
	{ "webhook_unknown_key", 1,
	  "tests/configs/bad/webhook_unknown_key.cfg:4: unknown key 'tokn' in a webhook" },
	{ "notify_template", 1,
	  "tests/configs/bad/notify_template.cfg:5: 'template': unknown placeholder '{hots}' (known: {state} {was} {host} {check} {metric} {value} {threshold} {reason} {kind}; {{ and }} for braces)" },
	{ "notify_template_open", 1,
	  "tests/configs/bad/notify_template_open.cfg:4: 'template': unknown placeholder '{' (known: {state} {was} {host} {check} {metric} {value} {threshold} {reason} {kind}; {{ and }} for braces)" },
	{ "notify_telegram_no_chat", 1,
	  "tests/configs/bad/notify_telegram_no_chat.cfg:3: format \"telegram\" needs 'chat_id'" },
	{ "notify_token_file_missing", 1,
	  "tests/configs/bad/notify_token_file_missing.cfg:5: 'token_file' '/nonexistent/pilotlight-token': No such file or directory" },
	{ "notify_token_file_device", 1,
	  "tests/configs/bad/notify_token_file_device.cfg:4: 'token_file' '/dev/null' is a device, not a regular file" },
	{ "notify_key_other_format", 1,
	  "tests/configs/bad/notify_key_other_format.cfg:5: 'chat_id' is for format \"telegram\" only" },
	{ "notify_mail_bad_to", 1,
	  "tests/configs/bad/notify_mail_bad_to.cfg:6: 'to' 'ops@x.org>\r\nBcc: evil@x.org' is not a mail address (local@domain)" },
	{ "notify_mail_plain_password", 1,
	  "tests/configs/bad/notify_mail_plain_password.cfg:7: a password over smtp:// needs starttls = true (or an smtps:// url)" },
	{ "notify_mail_url", 1,
	  "tests/configs/bad/notify_mail_url.cfg:3: 'url' 'http://127.0.0.1:25' must start with smtp:// or smtps://" },
	{ "notify_remind", 1,
	  "tests/configs/bad/notify_remind.cfg:5: 'remind' 500ms out of range 0 or 1s..7d" },
	{ "webhooks_not_list", 1,
	  "tests/configs/bad/webhooks_not_list.cfg:2: 'webhooks' must be a list" },
	{ "traffic_alarm_name_long", 1,
	  "tests/configs/bad/traffic_alarm_name_long.cfg:5: bad alarm name 'broadcast-storm-on-the-lan' (1..23 of A-Z a-z 0-9 _ . -)" },
	{ "traffic_alarm_unknown_key", 1,
	  "tests/configs/bad/traffic_alarm_unknown_key.cfg:6: unknown key 'levle' in an alarm" },
	{ "traffic_bad_host", 1,
	  "tests/configs/bad/traffic_bad_host.cfg:6: 'host' 'nas.lan' must be an IPv4 or IPv6 address" },
	{ "traffic_bad_rate", 1,
	  "tests/configs/bad/traffic_bad_rate.cfg:5: 'rate' 'kbps' is not one of: bps, pps, broadcast_pps, errors, drops, overruns" },
	{ "traffic_bad_service", 1,
	  "tests/configs/bad/traffic_bad_service.cfg:6: 'service' 'https' must be tcp/PORT or udp/PORT" },
	{ "traffic_check_name_taken", 1,
	  "tests/configs/bad/traffic_check_name_taken.cfg:8: check name 'capture/silence' is taken by the capture checks (check at line 3)" },
	{ "traffic_count_no_within", 1,
	  "tests/configs/bad/traffic_count_no_within.cfg:5: alarm 'errors' needs 'within' for 'count'" },
	{ "traffic_dup_alarm", 1,
	  "tests/configs/bad/traffic_dup_alarm.cfg:6: duplicate alarm name 'storm' (first at line 5)" },
	{ "traffic_host_named_capture", 1,
	  "tests/configs/bad/traffic_host_named_capture.cfg:5: the host named 'capture' (line 2) clashes with the capture checks; rename it" },
	{ "traffic_host_on_errors", 1,
	  "tests/configs/bad/traffic_host_on_errors.cfg:6: 'host' does not apply to 'errors'" },
	{ "traffic_negative_limit", 1,
	  "tests/configs/bad/traffic_negative_limit.cfg:5: 'below' -1 out of range 0..1e+15" },
	{ "traffic_no_condition", 1,
	  "tests/configs/bad/traffic_no_condition.cfg:5: alarm 'storm' needs one of 'above', 'below' or 'count'" },
	{ "traffic_no_interfaces", 1,
	  "tests/configs/bad/traffic_no_interfaces.cfg:3: 'alarms' need capture 'interfaces' to watch" },
	{ "traffic_two_conditions", 1,
	  "tests/configs/bad/traffic_two_conditions.cfg:6: alarm 'pps' has both 'above' and 'below' (use one)" },
	{ "traffic_type_traffic", 1,
	  "tests/configs/bad/traffic_type_traffic.cfg:5: 'type' 'traffic' is not one of: ping, tcp, http, dns, exec, trace, ports" },
	{ "traffic_window_fraction", 1,
	  "tests/configs/bad/traffic_window_fraction.cfg:6: 'window' must be whole seconds" },
	{ "traffic_within_no_count", 1,
	  "tests/configs/bad/traffic_within_no_count.cfg:6: 'within' goes with 'count' (use 'window')" },
	{ "traffic_iface_bad_name", 1,
	  "tests/configs/bad/traffic_iface_bad_name.cfg:6: bad interface name 'eth0/x'" },
	{ "traffic_direction_no_iface", 1,
	  "tests/configs/bad/traffic_direction_no_iface.cfg:6: 'direction' needs an 'interface'" },
	{ "traffic_iface_with_host", 1,
	  "tests/configs/bad/traffic_iface_with_host.cfg:6: 'interface' counts all of an interface's packets: it does not go with 'host' or 'service'" },
	{ "traffic_iface_broadcast", 1,
	  "tests/configs/bad/traffic_iface_broadcast.cfg:6: 'interface' does not apply to 'broadcast_pps' (the kernel does not count broadcasts)" },
	{ "traffic_bad_direction", 1,
	  "tests/configs/bad/traffic_bad_direction.cfg:6: 'direction' 'out' is not one of: both, rx, tx" },
	{ "traffic_overruns_no_iface", 1,
	  "tests/configs/bad/traffic_overruns_no_iface.cfg:5: alarm 'fifo': 'overruns' needs an 'interface'" },
	{ "interfaces_unknown_key", 1,
	  "tests/configs/bad/interfaces_unknown_key.cfg:4: unknown key 'exclud' in 'interfaces'" },
	{ "interfaces_pattern_long", 1,
	  "tests/configs/bad/interfaces_pattern_long.cfg:3: bad interface pattern 'a-pattern-much-longer-than-31-characters*' (1..31 characters)" },
	{ "interfaces_too_many", 1,
	  "tests/configs/bad/interfaces_too_many.cfg:3: 'exclude' has 9 entries, at most 8" },
};
/* clang-format on */

#define N_BAD_CASES (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_bad_configs(void **state)
{
	char path[256], first[512];
	size_t i, failed = 0;

	(void)state;
	assert_true(N_BAD_CASES >= 30);
	for (i = 0; i < N_BAD_CASES; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct config_errors errs = { 0 };
		struct pl_config *cfg;

		snprintf(path, sizeof(path), "tests/configs/bad/%s.cfg",
			 c->name);
		cfg = config_load(path, &errs);
		config_errors_first(&errs, first, sizeof(first));
		if (cfg || strcmp(first, c->first) != 0 ||
		    errs.n != c->n_errors) {
			print_error("%s: want %zu error(s), first\n  %s\n"
				    "got %zu, first\n  %s\n",
				    c->name, c->n_errors, c->first, errs.n,
				    first);
			failed++;
		}
		config_free(cfg);
		config_errors_clear(&errs);
	}
	assert_int_equal(failed, 0);
}

/* Every file in tests/configs/bad/ has a case: none is silently skipped. */
static void test_every_file_listed(void **state)
{
	const char *prefix = "tests/configs/bad/";
	size_t i, j, failed = 0;
	glob_t g;

	(void)state;
	assert_int_equal(glob("tests/configs/bad/*.cfg", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *name = g.gl_pathv[i] + strlen(prefix);
		size_t len = strlen(name) - strlen(".cfg");

		for (j = 0; j < N_BAD_CASES; j++)
			if (strlen(bad_cases[j].name) == len &&
			    strncmp(bad_cases[j].name, name, len) == 0)
				break;
		if (j == N_BAD_CASES) {
			print_error("%s has no case\n", g.gl_pathv[i]);
			failed++;
		}
	}
	assert_int_equal(g.gl_pathc, N_BAD_CASES);
	globfree(&g);
	assert_int_equal(failed, 0);
}

static void test_missing_file(void **state)
{
	struct config_errors errs = { 0 };
	char first[256];

	(void)state;
	errno = 0;
	assert_null(config_load("tests/configs/no-such.cfg", &errs));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 0);
	config_errors_first(&errs, first, sizeof(first));
	assert_string_equal(first, "tests/configs/no-such.cfg: cannot open: "
				   "No such file or directory");
	config_errors_clear(&errs);
	assert_int_equal(errs.n, 0);
	assert_null(errs.v);
	config_errors_first(&errs, first, sizeof(first));
	assert_string_equal(first, "");
}

/* All problems are collected, in line order, and printed one a line. */
static void test_multiple_errors(void **state)
{
	static const char want[] = "tests/configs/bad/multiple.cfg:3: unknown "
				   "key 'usr' in 'daemon'\n"
				   "tests/configs/bad/multiple.cfg:9: 'count' "
				   "500 out of range 1..100\n"
				   "tests/configs/bad/multiple.cfg:12: bad "
				   "listen address 'nowhere' "
				   "(use ADDR:PORT or [V6]:PORT)\n";
	struct config_errors errs = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_null(config_load("tests/configs/bad/multiple.cfg", &errs));
	assert_int_equal(errs.n, 3);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	config_errors_print(&errs, out);
	fclose(out);
	assert_string_equal(text, want);
	free(text);
	/* a second load appends: the caller clears between loads */
	assert_null(config_load("tests/configs/bad/syntax.cfg", &errs));
	assert_int_equal(errs.n, 4);
	assert_string_equal(errs.v[3].msg, "syntax error");
	config_errors_clear(&errs);
}

/* Errors already in the list do not make a good file fail. */
static void test_errors_kept_across_loads(void **state)
{
	struct config_errors errs = { 0 };
	struct pl_config *cfg;

	(void)state;
	assert_null(config_load("tests/configs/bad/syntax.cfg", &errs));
	cfg = config_load("tests/configs/good/minimal.cfg", &errs);
	assert_non_null(cfg);
	assert_int_equal(errs.n, 1);
	config_free(cfg);
	config_errors_clear(&errs);
	config_free(NULL);
}

/* An error in an @include'd file names that file, relative to ours. */
static void test_include_error(void **state)
{
	struct config_errors errs = { 0 };

	(void)state;
	assert_null(config_load("tests/configs/bad/include_error.cfg", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].file,
			    "tests/configs/bad/include_error.inc");
	assert_int_equal(errs.v[0].line, 3);
	config_errors_clear(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_every_file_listed),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_multiple_errors),
		cmocka_unit_test(test_errors_kept_across_loads),
		cmocka_unit_test(test_include_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
