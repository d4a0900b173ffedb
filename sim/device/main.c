/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device: placeholder entry point until the device program lands. */
#include <stdio.h>
int main(void)
{
	fprintf(stderr, "smpdfu-device: not built yet\n");
	return 1;
}
