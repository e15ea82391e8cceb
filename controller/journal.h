/* The intent journal: what apply is about to create, written before it is
 * created and removed once the object carries its ownership mark. It lives in
 * /run (tmpfs), so it lasts exactly as long as the kernel objects it speaks
 * for. A run killed between "create" and "mark" leaves an entry, and the next
 * run adopts the unmarked object instead of calling it foreign. */
#ifndef OO_CONTROLLER_JOURNAL_H
#define OO_CONTROLLER_JOURNAL_H

#include <stddef.h>

/* VFs apply unbound and has not bound again, per PF: ROOT/run/ovs-offload/vfs/<PF
 * device>/<VF address>, holding the VF's driver (devlink/vfctl.h's record). A run
 * killed between vf-unbind and vf-bind leaves them; the next run binds them back. */
#define OO_JOURNAL_VFS "/run/ovs-offload/vfs"

/* The record directory for the VFs of PF device `pf_dev` into buf. */
void oo_journal_vf_record(const char *root, const char *pf_dev, char *buf, size_t size);

/* The journal directory for bonds under root: ROOT/run/ovs-offload/bonds. */
#define OO_JOURNAL_BONDS "/run/ovs-offload/bonds"

/* Records that bond `name` is about to be created. Returns 0 or -errno. */
int oo_journal_add_bond(const char *root, const char *name);
/* Forgets it (it is marked, or deleted). Absent entries are fine. */
int oo_journal_del_bond(const char *root, const char *name);
/* The journaled bond names, malloc'ed (free each and the array). */
int oo_journal_read_bonds(const char *root, char ***ret_names, size_t *ret_n);

#endif
