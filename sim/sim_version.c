/* SPDX-License-Identifier: Apache-2.0 */
/* Version string of the host simulation. */
const char *sdfu_sim_version(void);
const char *sdfu_sim_version(void)
{
	return "smpdfu-sim 0.1";
}
