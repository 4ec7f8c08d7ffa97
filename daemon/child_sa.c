/* Child SA objects: keys, and their installation in the data plane through
 * the engine's io callbacks. */
#include "daemon/ike_sa.h"

#include <stdlib.h>

#include "crypto/secret.h"

void child_sa_free(struct child_sa *c)
{
	if (!c)
		return;
	secret_free(c->key_in);
	secret_free(c->key_out);
	free(c);
}

int child_sa_install(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_io *io = &sa->eng->io;

	if (!io->child_up || io->child_up(io->arg, sa->conn, c))
		return -1;
	c->installed = true;
	return 0;
}

void child_sa_uninstall(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_io *io = &sa->eng->io;

	if (c->installed && io->child_down)
		io->child_down(io->arg, sa->conn, c);
	c->installed = false;
}
