/* SPDX-License-Identifier: Apache-2.0 */
/* Compile-time capacities and options; every default can be overridden by a user config header. */
#ifndef SDFU_CONFIG_H
#define SDFU_CONFIG_H

/*
 * A user config header is included first when SDFU_CONFIG_FILE is defined,
 * e.g. -DSDFU_CONFIG_FILE=\"my_sdfu_config.h\". Every macro below is an #ifndef
 * default, so the user header only names what it changes.
 */
#ifdef SDFU_CONFIG_FILE
#include SDFU_CONFIG_FILE
#endif

/* ---- SMP core ---------------------------------------------------------- */
/** Largest SMP frame (8-byte header + CBOR) the server accepts and sends; reported as buf_size. RAM: one response buffer of this size. */
#ifndef SDFU_SMP_BUF_SIZE
#define SDFU_SMP_BUF_SIZE 2048
#endif
/** Reported as buf_count (MCUmgr parameters, 0/6): how many requests a client may pipeline. */
#ifndef SDFU_SMP_BUF_COUNT
#define SDFU_SMP_BUF_COUNT 4
#endif
/** zcbor state depth used by handlers (nesting + backups). */
#ifndef SDFU_SMP_CBOR_STATES
#define SDFU_SMP_CBOR_STATES 6
#endif
/**
 * zcbor backup states of the response encoder handed to handlers (ctx->zse). zcbor as
 * built here (ZCBOR_CANONICAL off: indefinite-length maps and lists) needs none for
 * maps and lists at any depth; only zcbor_bstr_start_encode (CBOR inside a byte string,
 * used by no built-in handler) takes one per open level. A ZCBOR_CANONICAL build uses
 * SDFU_SMP_CBOR_STATES + 2 states whatever this says. Each backup is one zcbor_state_t
 * (36 B on Cortex-M) of stack in the dispatcher.
 */
#ifndef SDFU_SMP_RSP_BACKUPS
#define SDFU_SMP_RSP_BACKUPS SDFU_SMP_CBOR_STATES
#endif
/** Accept SMP v1 requests (the Go CLI and Rust serial clients are v1-only). */
#ifndef SDFU_SMP_V1
#define SDFU_SMP_V1 1
#endif
/**
 * SMP callbacks (sdfu_smp_cb_*: command received/done, OS reset veto, image DFU
 * events), like Zephyr's MCUMGR_MGMT_NOTIFICATION_HOOKS (default n). 0: the calls
 * compile to nothing (notify always answers OK, register is a no-op); the DFU
 * modules (dfu_mcumgr) need 1 and refuse to start without it.
 */
#ifndef SDFU_SMP_HOOKS
#define SDFU_SMP_HOOKS 1
#endif

/* ---- OS group ---------------------------------------------------------- */
/** Delay between sending the reset response and calling the port's reset, in ms. */
#ifndef SDFU_OS_RESET_DELAY_MS
#define SDFU_OS_RESET_DELAY_MS 250
#endif
/** Strings reported by OS/application info (0/7). */
#ifndef SDFU_OS_INFO_KERNEL
#define SDFU_OS_INFO_KERNEL "smpdfu"
#endif
#ifndef SDFU_OS_INFO_MACHINE
#define SDFU_OS_INFO_MACHINE "unknown"
#endif
/*
 * Optional OS commands (1 = compiled in). A compiled-out command answers rc 8
 * (MGMT_ERR_ENOTSUP), as Zephyr does when its Kconfig option is off. Zephyr's
 * defaults: params (MCUMGR_GRP_OS_MCUMGR_PARAMS), info (MCUMGR_GRP_OS_INFO) and
 * bootloader info (MCUMGR_GRP_OS_BOOTLOADER_INFO) are all off; echo and reset on.
 */
#ifndef SDFU_OS_ECHO
#define SDFU_OS_ECHO 1
#endif
#ifndef SDFU_OS_PARAMS
#define SDFU_OS_PARAMS 1
#endif
#ifndef SDFU_OS_INFO
#define SDFU_OS_INFO 1
#endif
#ifndef SDFU_OS_BOOTLOADER_INFO
#define SDFU_OS_BOOTLOADER_INFO 1
#endif

/* ---- Image group ------------------------------------------------------- */
/** Verify the whole-file SHA-256 of an upload and answer "match" on the final chunk. */
#ifndef SDFU_IMG_VERIFY_SHA
#define SDFU_IMG_VERIFY_SHA 1
#endif
/** Compare build numbers too when checking "upgrade" (Zephyr VERSION_CMP_USE_BUILD_NUMBER). */
#ifndef SDFU_IMG_VERSION_CMP_USE_BUILD
#define SDFU_IMG_VERSION_CMP_USE_BUILD 0
#endif
/** Slot info (1/6); Zephyr MCUMGR_GRP_IMG_SLOT_INFO is on only with more than one image. Off: rc 8. */
#ifndef SDFU_IMG_SLOT_INFO
#define SDFU_IMG_SLOT_INFO 1
#endif
/** Image erase (1/5); always present in Zephyr. Off: rc 8. */
#ifndef SDFU_IMG_ERASE
#define SDFU_IMG_ERASE 1
#endif
/**
 * State write (1/0) runs the full MCUboot validation (TLVs, SHA-256, signature)
 * of a non-running image before scheduling it. 0: like Zephyr's img_mgmt, only
 * the header and the TLV SHA-256 entry are checked (what state read already
 * needs), so neither SHA-256 nor signature code is linked for it.
 */
#ifndef SDFU_IMG_VALIDATE_ON_TEST
#define SDFU_IMG_VALIDATE_ON_TEST 1
#endif

/* ---- Flash ------------------------------------------------------------- */
/** Largest write alignment any flash device may have (bytes). Sizes the stream writer buffer. */
#ifndef SDFU_FLASH_MAX_ALIGN
#define SDFU_FLASH_MAX_ALIGN 32
#endif
/** Maximum sector-range descriptors per flash device. */
#ifndef SDFU_FLASH_MAX_SECTOR_RANGES
#define SDFU_FLASH_MAX_SECTOR_RANGES 4
#endif

/* ---- Boot (MCUboot compatibility) -------------------------------------- */
/** BOOT_MAX_ALIGN used for trailer layout (MCUboot default 8). */
#ifndef SDFU_BOOT_MAX_ALIGN
#define SDFU_BOOT_MAX_ALIGN 8
#endif
/** MCUBOOT_MAX_IMG_SECTORS: sizes the swap-status area of the trailer. */
#ifndef SDFU_BOOT_MAX_IMG_SECTORS
#define SDFU_BOOT_MAX_IMG_SECTORS 128
#endif
/**
 * Bootloader modes the build supports: bit (1 << enum sdfu_boot_mode value)
 * (swap-scratch 1, overwrite-only 2, swap-move 3, direct-XIP 4, direct-XIP with
 * revert 5). Default all (0x3E). Code for modes outside the mask is compiled out
 * (like MCUboot's MCUBOOT_* mode macros); sdfu_img_init() refuses such a mode.
 */
#ifndef SDFU_BOOT_MODES
#define SDFU_BOOT_MODES 0x3E
#endif

/* ---- Event bus --------------------------------------------------------- */
/** Number of events that may be queued at once (static pool). */
#ifndef SDFU_EVT_POOL_SIZE
#define SDFU_EVT_POOL_SIZE 16
#endif

/* ---- DFU module -------------------------------------------------------- */
/** Module enabled (CONFIG_DESKTOP_DFU_MCUMGR_ENABLE). */
#ifndef SDFU_DFU_MCUMGR
#define SDFU_DFU_MCUMGR 1
#endif
/** DFU lock utility used by the module (CONFIG_DESKTOP_DFU_LOCK). */
#ifndef SDFU_DFU_LOCK
#define SDFU_DFU_LOCK 1
#endif
/** Inactivity before the module releases the DFU lock, in ms (DFU_TIMEOUT). */
#ifndef SDFU_DFU_MCUMGR_TIMEOUT_MS
#define SDFU_DFU_MCUMGR_TIMEOUT_MS 5000
#endif

/* ---- Enum group ------------------------------------------------------- */
/** Group ids a details request may list as its filter (Zephyr's stack buffer default, 16). */
#ifndef SDFU_ENUM_DETAILS_MAX_FILTER
#define SDFU_ENUM_DETAILS_MAX_FILTER 16
#endif

/* ---- Composition root (sdfu/stack.h) ---------------------------------- */
/**
 * struct sdfu_stack holds the event bus, the DFU lock and the DFU modules
 * (dfu_mcumgr, dfu_cfgchan, ble_latency). They need SMP callbacks, so the
 * default follows SDFU_SMP_HOOKS; 0: timers, SMP server, OS and image groups only.
 */
#ifndef SDFU_STACK_DFU
#define SDFU_STACK_DFU SDFU_SMP_HOOKS
#endif
/** The config-channel DFU in the composition root (built when cfg.cfgchan asks for it); 0
 * leaves its code and RAM out of a product that has no config channel. */
#ifndef SDFU_STACK_CFGCHAN
#define SDFU_STACK_CFGCHAN SDFU_STACK_DFU
#endif
/** The BLE latency module in the composition root (built when cfg.ble_link is set); 0
 * leaves it out of a product without BLE. */
#ifndef SDFU_STACK_BLE_LATENCY
#define SDFU_STACK_BLE_LATENCY SDFU_STACK_DFU
#endif

/* ---- Event bus (sdfu/evt.h) -------------------------------------------- */
/** Largest event struct (header included) the pool can hold, in bytes. */
#ifndef SDFU_EVT_MAX_SIZE
#define SDFU_EVT_MAX_SIZE 32
#endif

/* ---- Serial transport (sdfu/transport.h) ------------------------------- */
/** Default maximum bytes per transmitted line, including the 2 start bytes and '\n'. */
#ifndef SDFU_SERIAL_LINE_LEN
#define SDFU_SERIAL_LINE_LEN 127
#endif
/** Largest configurable transmit line length (sizes the TX line buffer). */
#ifndef SDFU_SERIAL_LINE_MAX
#define SDFU_SERIAL_LINE_MAX 256
#endif
/** Reassembly buffer: one SMP frame of up to SDFU_SMP_BUF_SIZE bytes plus its CRC. */
#ifndef SDFU_SERIAL_RX_BUF_SIZE
#define SDFU_SERIAL_RX_BUF_SIZE (SDFU_SMP_BUF_SIZE + 2)
#endif

/**
 * CRC-16/XMODEM of the serial lines (sdfu/crc16.h): 1 = a 256-entry table (512 B of
 * flash, fastest), 0 = a table-free byte-wise formula (about 40 B of code, about twice
 * the instructions per byte; what a flash-constrained build picks).
 */
#ifndef SDFU_CRC16_TABLE
#define SDFU_CRC16_TABLE 1
#endif

/* ---- BLE latency module (sdfu/ble_latency.h) --------------------------- */
/** Period of the "is low latency still needed" check, ms (LOW_LATENCY_CHECK_PERIOD_MS). */
#ifndef SDFU_BLE_LATENCY_CHECK_MS
#define SDFU_BLE_LATENCY_CHECK_MS 5000
#endif
/** Latency restored after the quiet period (BT_PERIPHERAL_PREF_LATENCY). */
#ifndef SDFU_BLE_LATENCY_PREF
#define SDFU_BLE_LATENCY_PREF 99
#endif
/** Disconnect when the link is not secured within this time, ms; 0 = never. */
#ifndef SDFU_BLE_SECURITY_FAIL_TIMEOUT_MS
#define SDFU_BLE_SECURITY_FAIL_TIMEOUT_MS 10000
#endif
/** Keep LLPM links at latency 0 unless powered down (DESKTOP_BLE_LOW_LATENCY_LOCK). */
#ifndef SDFU_BLE_LOW_LATENCY_LOCK
#define SDFU_BLE_LOW_LATENCY_LOCK 0
#endif
/**
 * Request 7.5 ms / latency 0 / SDFU_BLE_PREF_TIMEOUT as soon as a peer connects
 * (nRF Desktop ble_latency.c set_init_conn_params(), done on PEER_STATE_CONNECTED).
 */
#ifndef SDFU_BLE_LATENCY_INIT_PARAMS
#define SDFU_BLE_LATENCY_INIT_PARAMS 1
#endif
/** Supervision timeout of that initial request, 10 ms units (BT_PERIPHERAL_PREF_TIMEOUT). */
#ifndef SDFU_BLE_PREF_TIMEOUT
#define SDFU_BLE_PREF_TIMEOUT 400
#endif

/* ---- OS group (sdfu/os.h) ---------------------------------------------- */
/** Longest OS info (0/7) "output" string built; longer -> rc 7 (EMSGSIZE). */
#ifndef SDFU_OS_INFO_OUTPUT_MAX
#define SDFU_OS_INFO_OUTPUT_MAX 256
#endif

/* ---- Image group (sdfu/img.h) ------------------------------------------ */
/** Default of struct sdfu_img.allow_erase_pending (1, as Zephyr's default). */
#ifndef SDFU_IMG_ALLOW_ERASE_PENDING
#define SDFU_IMG_ALLOW_ERASE_PENDING 1
#endif

/* ---- DFU MCUmgr module (sdfu/dfu_mcumgr.h) ----------------------------- */
/** SMP over BLE is built (CONFIG_MCUMGR_TRANSPORT_BT): transfer events are submitted. */
#ifndef SDFU_DFU_MCUMGR_BLE_TRANSPORT
#define SDFU_DFU_MCUMGR_BLE_TRANSPORT 1
#endif
/** The generic CAF SMP-over-BLE module (CONFIG_CAF_BLE_SMP); exclusive with this module. */
#ifndef SDFU_CAF_BLE_SMP
#define SDFU_CAF_BLE_SMP 0
#endif
/** Let read-only image commands (state read, slot info) through without the lock. */
#ifndef SDFU_DFU_MCUMGR_READONLY_UNLOCKED
#define SDFU_DFU_MCUMGR_READONLY_UNLOCKED 0
#endif
/** Submit transfer events only for commands whose transport has SDFU_SMP_TRANSPORT_F_BLE. */
#ifndef SDFU_DFU_MCUMGR_EVT_BLE_ONLY
#define SDFU_DFU_MCUMGR_EVT_BLE_ONLY 0
#endif
/** Release the lock when an update completes (image confirmed, or upload done + state write). */
#ifndef SDFU_DFU_MCUMGR_RELEASE_ON_COMPLETE
#define SDFU_DFU_MCUMGR_RELEASE_ON_COMPLETE 0
#endif

/* ---- SMP over BLE (sdfu/ble.h) ----------------------------------------- */
/** Reassembly buffer size; the largest frame accepted (also limited per instance). */
#ifndef SDFU_BLE_RX_BUF_SIZE
#define SDFU_BLE_RX_BUF_SIZE SDFU_SMP_BUF_SIZE
#endif

/* ---- Crypto port (sdfu/crypto.h) --------------------------------------- */
/** Opaque storage for the port's SHA-256 context (Mbed TLS 2.28 needs 108 bytes). */
#ifndef SDFU_SHA256_CTX_SIZE
#define SDFU_SHA256_CTX_SIZE 128
#endif
/** Ed25519 signatures in the Mbed TLS crypto port (through libsodium: the host); the Cortex-M
 * firmware builds with 0. */
#ifndef SDFU_CRYPTO_ED25519
#define SDFU_CRYPTO_ED25519 1
#endif

/* ---- Config-channel DFU (sdfu/dfu_cfgchan.h) --------------------------- */
/** Inactivity before an unfinished transfer is terminated and the lock released, ms. */
#ifndef SDFU_DFU_CFGCHAN_TIMEOUT_MS
#define SDFU_DFU_CFGCHAN_TIMEOUT_MS 5000
#endif
/** RAM staging buffer (sync buffer) in bytes; a multiple of SDFU_FLASH_MAX_ALIGN. */
#ifndef SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE
#define SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE 512
#endif
/** Delay before a full staging buffer is stored to flash, ms (BACKGROUND_FLASH_STORE_TIMEOUT). */
#ifndef SDFU_DFU_CFGCHAN_STORE_DELAY_MS
#define SDFU_DFU_CFGCHAN_STORE_DELAY_MS 5
#endif
/** Pause between two sector erases of the background erase, ms. */
#ifndef SDFU_DFU_CFGCHAN_ERASE_STEP_MS
#define SDFU_DFU_CFGCHAN_ERASE_STEP_MS 1
#endif
/** Back-off of the background erase while the device is in use, ms. */
#ifndef SDFU_DFU_CFGCHAN_ERASE_BACKOFF_MS
#define SDFU_DFU_CFGCHAN_ERASE_BACKOFF_MS 15000
#endif
/** Delay between an accepted reboot request and sdfu_port_reset(), ms. */
#ifndef SDFU_DFU_CFGCHAN_REBOOT_DELAY_MS
#define SDFU_DFU_CFGCHAN_REBOOT_DELAY_MS 250
#endif

/* ---- Image upload (src/grp/img/img_upload.c) --------------------------- */
/** Direct-XIP: refuse a ROM_FIXED image linked for the other slot (err 25). */
#ifndef SDFU_IMG_REJECT_ROM_FIXED_MISMATCH
#define SDFU_IMG_REJECT_ROM_FIXED_MISMATCH 1
#endif

/* ---- Logging ----------------------------------------------------------- */
/** 0 off, 1 error, 2 warning, 3 info, 4 debug. */
#ifndef SDFU_LOG_LEVEL
#define SDFU_LOG_LEVEL 3
#endif

#endif /* SDFU_CONFIG_H */
