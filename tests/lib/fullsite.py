"""A netlab site with every pilotlight feature switched on, for the tests
that watch the daemon over time rather than one scenario:
tests/blackbox/valgrind_lab.py (leaks over a lab run) and tests/bench/soak
(10 minutes, RSS / descriptors / CPU).

    with netlab.Lab() as lab:
        site = fullsite.build(lab)
        pl = lab.run_pilotlight(binary, fullsite.config(site))
        scraper = fullsite.scrape_metrics(site, every=1.0)
        burst = fullsite.traffic(lab, site, seconds=600)
        ...
        scraper.stop(); burst.result(5)

Probes of every type (ping, tcp, http, https, dns, exec, trace, ports),
capture on cap0 with traffic alarms, the metrics endpoint in the monitor
namespace, and fast intervals so a short run exercises them many times.
Only lab addresses (10.77.0.0/24, 203.0.113.0/24) are ever contacted.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402

MON_IP = "10.77.0.2"
METRICS_PORT = 9775

CONFIG = """\
# fullsite: every probe type, capture, metrics
daemon = {{ state_dir = "{state}"; }};
logging = {{ level = "info"; target = "stderr"; }};
defaults = {{ interval = "{interval}"; timeout = "400ms"; }};
hosts = (
	{{ name = "router"; address = "{gw}";
	  checks = ( {{ type = "ping"; count = 3; }},
		     {{ type = "trace"; max_hops = 4; interval = "10s";
			timeout = "3s"; }} ); }},
	{{ name = "anchor"; address = "{anchor}"; parent = "router";
	  checks = ( {{ type = "ping"; }} ); }},
	{{ name = "nas"; address = "{nas}";
	  checks = ( {{ type = "ping"; }},
		     {{ type = "tcp"; port = 22; expect = "SSH-2.0"; }},
		     {{ type = "ports"; open = [22]; closed = [23];
			interval = "5s"; }},
		     {{ type = "exec"; command = ["/bin/true"]; }} ); }},
	{{ name = "web"; address = "{web}";
	  checks = ( {{ type = "http"; url = "http://{web}/"; }},
		     {{ type = "http"; name = "web/https";
			url = "https://{web}/"; verify_tls = false; }} ); }},
	{{ name = "dns"; address = "{dns}";
	  checks = ( {{ type = "dns"; server = "{dns}"; query = "nas.lab";
			answer = "{nas}"; }} ); }}
);
capture = {{
	interfaces = ["{cap}"];
	local_networks = ["10.77.0.0/24"];
	alarms = ( {{ name = "burst"; rate = "pps"; above = 100000;
		     window = "2s"; level = "warning"; }} );
}};
indicators = {{
	leds = (
		{{ name = "status"; shows = "all"; red = 17; green = 27; }},
		{{ name = "nas"; shows = "host:nas"; red = 22; green = 23; }},
		{{ name = "web"; shows = "host:web"; red = 5; green = 6; }},
		{{ name = "alive"; shows = "heartbeat"; green = 24; }},
		{{ name = "traffic"; shows = "activity"; green = 25; }}
	);
	buzzer = {{ pin = 16; }};
	button = {{ pin = 26; }};
	lcd = {{ cols = 20; rows = 4; page_interval = "2s"; }};
}};
metrics = {{ enabled = true; listen = "{mon}:{port}"; }};
"""


def build(lab):
    """The namespaces and services; returns a dict of hosts and servers."""
    s = {}
    s["gw"] = gw = lab.router("gw")
    s["mon"] = lab.monitor(lan_ip=MON_IP + "/24", capture=True,
                           gateway=gw.ip)
    s["anchor"] = lab.internet_host("anchor", "203.0.113.10/24")
    s["nas"] = lab.host("nas", "10.77.0.20/24", gateway=gw.ip)
    s["web"] = lab.host("web", "10.77.0.30/24", gateway=gw.ip)
    s["dns"] = lab.host("dns", "10.77.0.53/24", gateway=gw.ip)
    s["ssh"] = s["nas"].tcp_service(22)
    s["http"] = s["web"].http_server(80)
    s["https"] = s["web"].http_server(443, tls=True, cert_days=365)
    s["named"] = s["dns"].dns_server({"nas.lab": s["nas"].ip})
    s["sink_host"] = s["web"]
    return s


def config(site, state_dir, interval="1s"):
    return CONFIG.format(state=state_dir, interval=interval,
                         gw=site["gw"].ip, anchor=site["anchor"].ip,
                         nas=site["nas"].ip, web=site["web"].ip,
                         dns=site["dns"].ip, cap=netlab.CAPTURE_IF,
                         mon=MON_IP, port=METRICS_PORT)


SCRAPER = r"""
import sys, time, urllib.request
url, every, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + seconds
ok = bad = 0
while time.monotonic() < end:
    t = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            body = r.read()
        ok += b"pilotlight_up" in body or r.status == 200
    except Exception as e:
        bad += 1
        print("scrape failed: %s" % e, flush=True)
    time.sleep(max(0.0, every - (time.monotonic() - t)))
print("scrapes ok %d failed %d" % (ok, bad), flush=True)
"""


def scrape_metrics(site, every=1.0, seconds=3600):
    """Scrape /metrics from inside the monitor namespace every `every`
    seconds for at most `seconds`; returns a netlab Service (its log ends
    with "scrapes ok N failed M")."""
    url = "http://%s:%d/metrics" % (MON_IP, METRICS_PORT)
    proc = site["mon"].spawn([sys.executable, "-c", SCRAPER, url,
                              str(every), str(seconds)], name="scraper")
    return proc


def traffic(lab, site, seconds, pps=200):
    """Background UDP from the NAS to the web host: it crosses the switch,
    so cap0 sees it.  Returns netlab's Burst."""
    return lab.traffic_burst(site["nas"], site["web"], pps, seconds,
                             background=True)
