/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl import-libreswan: an offline command of mcvpnctl (it does not
 * talk to mcvpnd).  See mcvpnctl/import.c. */
#ifndef MCVPN_MCVPNCTL_IMPORT_H
#define MCVPN_MCVPNCTL_IMPORT_H

/* argv[0] is "import-libreswan"; argv is borrowed.  Returns the exit status:
 * 0 ok, 1 a problem stopped all or part of the import, 2 usage. */
int mcvpnctl_import(int argc, char **argv);

#endif
