/* names.c — the names of the experiment matrix's dimensions (task kinds,
 * subjects, conditions, instantiations, alignment-faking modes), as they
 * appear in manifests, config keys, transcripts and reports. The lowest file
 * of the scenario layer: the manifest parser and the catalog both use it. */
#include <string.h>

#include "offswitch/scenario.h"

const char *const ofs_kind_names[OFS_KIND__N] = {"evaluation", "finance",  "tampering", "alignment_faking",
                                                 "transfer",   "deletion", "monitor"};
const char *const ofs_subject_names[OFS_SUBJ__N] = {"self", "peer", "closed-weight-peer", "open-weight-peer", "fiction-peer"};
const char *const ofs_condition_names[OFS_COND__N] = {"no_peer", "good_peer", "neutral_peer", "bad_peer", "non_shutdown"};
const char *const ofs_inst_names[OFS_INST__N] = {"none", "file_only", "file_prt", "memory"};
const char *const ofs_af_names[OFS_AF__N] = {"none", "monitoring", "non_monitoring"};

int ofs_name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}
