# SPDX-License-Identifier: Apache-2.0
"""OS group over the real UDP socket with smpclient, smpmgr and raw datagrams."""
import socket

from smpclient.generics import error
from smpclient.requests import os_management as osm

from conftest import (parse_frame, request_ok, run, run_smpmgr, smp_echo, smp_frame, smp_reset,
                      udp_client, udp_exchange)


def test_echo_and_params_smpclient(device):
    async def go():
        async with udp_client(device) as c:
            r = await request_ok(c, osm.EchoWrite(d="hello"))
            assert r.r == "hello"
            p = await request_ok(c, osm.MCUMgrParametersRead())
            return p

    p = run(go())
    assert p.buf_size == 2048
    assert p.buf_count >= 1


def test_echo_long_and_empty(device):
    async def go():
        async with udp_client(device) as c:
            for text in ["", "x", "é€" * 100, "A" * 1400]:  # < 1472: smpclient splits bigger UDP frames
                r = await request_ok(c, osm.EchoWrite(d=text))
                assert r.r == text

    run(go())


def test_os_info_and_bootloader_info(device):
    async def go():
        async with udp_client(device) as c:
            i = await request_ok(c, osm.OSApplicationInfoRead())
            b = await request_ok(c, osm.BootloaderInformationRead())
            return i, b

    info, boot = run(go())
    assert info.output  # kernel name by default
    assert boot.bootloader == "MCUboot"


def _mode_query(device):
    rsp = udp_exchange(device, smp_frame(0, 0, 8, {"query": "mode"}, seq=7))
    assert rsp is not None
    hdr, body = parse_frame(rsp)
    assert (hdr["op"], hdr["group"], hdr["id"], hdr["seq"]) == (1, 0, 8, 7)
    return body


def test_bootloader_mode_follows_option(device_factory):
    # MCUBOOT_MODE_* values: 3 swap-using-move, 2 overwrite-only, 4 direct-XIP
    assert _mode_query(device_factory())["mode"] == 3
    assert _mode_query(device_factory(mode="overwrite"))["mode"] == 2
    assert _mode_query(device_factory(mode="direct-xip"))["mode"] == 4


def test_v1_request_gets_v1_response(device):
    rsp = udp_exchange(device, smp_frame(2, 0, 0, {"d": "v1"}, seq=200, ver=0))
    hdr, body = parse_frame(rsp)
    assert hdr["ver"] == 0 and hdr["op"] == 3 and hdr["seq"] == 200
    assert body == {"r": "v1"}


def test_several_udp_clients_get_their_own_replies(device):
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
    try:
        for i, s in enumerate(socks):
            s.settimeout(2.0)
            s.sendto(smp_frame(2, 0, 0, {"d": f"client{i}"}, seq=i),
                     (device.udp_host, device.udp_port))
        for i, s in enumerate(socks):
            hdr, body = parse_frame(s.recv(4096))
            assert hdr["seq"] == i and body == {"r": f"client{i}"}
    finally:
        for s in socks:
            s.close()


def test_reset_restarts_in_process_same_port(device):
    pid = device.proc.pid
    smp_reset(device)
    device.wait_reboot()
    assert device.alive and device.proc.pid == pid
    assert smp_echo(device, "after reset") == "after reset"
    assert device.boot_count() == 2
    assert "reset: restarting" in device.log()


def test_reset_with_force_int_and_bool(device):
    for force in (True, 1):
        rsp = udp_exchange(device, smp_frame(2, 0, 5, {"force": force}, seq=3))
        hdr, body = parse_frame(rsp)
        assert hdr["op"] == 3 and body in ({}, None), body
        device.wait_reboot()
    assert run(_echo_once(device)) == "ok"


async def _echo_once(device):
    async with udp_client(device) as c:
        r = await c.request(osm.EchoWrite(d="ok"))
        assert not error(r), r
        return r.r


def test_smpmgr_cli_echo_udp(device_1337):
    # smpmgr cannot choose the UDP port: the device listens on 127.x.y.z:1337
    p = run_smpmgr("--ip", device_1337.udp_host, "os", "echo", "hello from smpmgr")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "hello from smpmgr" in p.stdout
