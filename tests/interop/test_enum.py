# SPDX-License-Identifier: Apache-2.0
"""Enum group (10): smpmgr's `enum` commands over serial and smpclient's four requests over UDP
against the real device; the answers match what the device serves (os 0, img 1, enum 10)."""
import re

from smpclient.generics import error
from smpclient.requests import enumeration_management as em
from smpclient.requests.os_management import EchoWrite

from conftest import request_ok, run, run_smpmgr, udp_client

SERVED = {0: ("os mgmt", 9), 1: ("img mgmt", 7), 10: ("enum mgmt", 4)}


def test_smpmgr_enum_commands(device_factory):
    dev = device_factory(udp=None)
    p = run_smpmgr("--port", dev.pty, "enum", "get-supported-groups")
    assert p.returncode == 0, p.stdout + p.stderr
    ids = [int(x) for x in re.findall(r"<GroupId\.\w+: (\d+)>", p.stdout)]
    assert ids == [0, 1, 10], p.stdout
    p = run_smpmgr("--port", dev.pty, "enum", "get-group-details", "1", "10", "77")
    assert p.returncode == 0, p.stdout + p.stderr
    got = re.findall(r"group=<GroupId\.\w+: (\d+)>,\s*name='([^']*)',\s*handlers=(\d+)", p.stdout)
    assert [(int(g), n, int(h)) for g, n, h in got] == [(1, *SERVED[1]), (10, *SERVED[10])], p.stdout


def test_smpclient_enum_requests(device):
    async def go():
        async with udp_client(device) as c:
            n = await request_ok(c, em.CountSupportedGroups())
            lst = await request_ok(c, em.ListSupportedGroups())
            # walk the groups one index at a time until "end"
            walked, i = [], 0
            while True:
                r = await request_ok(c, em.GroupId(index=i))
                walked.append(int(r.group))
                if r.end:
                    break
                i += 1
            past = await c.request(em.GroupId(index=i + 1))
            first = await c.request(em.GroupId())
            allg = await c.request(em.GroupDetails())
            some = await c.request(em.GroupDetails(groups=(10, 0)))
            # the device still serves normally afterwards
            echo = await c.request(EchoWrite(d="after enum"))
            return n, lst, walked, past, first, allg, some, echo

    n, lst, walked, past, first, allg, some, echo = run(go())
    assert n.count == 3
    assert [int(g) for g in lst.groups] == [0, 1, 10]
    assert walked == [0, 1, 10]
    assert error(past) and int(past.err.group) == 10 and int(past.err.rc) == 4, past  # INDEX_TOO_LARGE
    assert int(first.group) == 0 and not first.end
    assert {int(d.group): (d.name, d.handlers) for d in allg.groups} == SERVED
    # a filter keeps the registration order and only the groups asked for
    assert [(int(d.group), d.name) for d in some.groups] == [(0, "os mgmt"), (10, "enum mgmt")]
    assert echo.r == "after enum"
