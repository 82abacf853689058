// SPDX-License-Identifier: GPL-2.0
/*
 * The pernet operations: each namespace's state lives in its generic slot
 * (rust/ffi/netns.rs), made and freed by the Rust callbacks below.
 * See include/tcpsplice_helpers.h for the naming rules.
 */
#include <linux/module.h>
#include <net/netns/generic.h>
#include <net/net_namespace.h>
#include "tcpsplice_helpers.h"

/* Rust callbacks (rust/ffi/netns.rs). */
int tcpsplice_rs_net_init(struct net *net);
void tcpsplice_rs_net_exit(struct net *net);

/* ---- pernet ------------------------------------------------------------ */

static unsigned int tcpsplice_net_id __read_mostly;

static int __net_init tcpsplice_net_init(struct net *net)
{
	return tcpsplice_rs_net_init(net);
}

static void __net_exit tcpsplice_net_exit(struct net *net)
{
	tcpsplice_rs_net_exit(net);
}

static struct pernet_operations tcpsplice_net_ops = {
	.init = tcpsplice_net_init,
	.exit = tcpsplice_net_exit,
	.id = &tcpsplice_net_id,
	.size = sizeof(void *),
};

int tcpsplice_h_register_pernet(void)
{
	return register_pernet_subsys(&tcpsplice_net_ops);
}

void tcpsplice_h_unregister_pernet(void)
{
	unregister_pernet_subsys(&tcpsplice_net_ops);
}

void **tcpsplice_h_net_slot(const struct net *net)
{
	return net_generic(net, tcpsplice_net_id);
}

u64 tcpsplice_h_net_cookie(const struct net *net)
{
	return net->net_cookie;
}

