# SPDX-License-Identifier: Apache-2.0
# Warning sets: the core is strict C11 with -Werror on every compiler we build with.
set(SDFU_CORE_WARNINGS -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes
    -Wpointer-arith -Wvla -Wundef -Wno-unused-parameter)
set(SDFU_HOST_WARNINGS -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter)
