/*
 * disclosure.h — the answers of the MIC disclosure checksheet (総務省
 * 「クラウドサービスの安全・信頼性に係る情報開示指針」) that this software
 * determines for this deployment: read from the configuration, the
 * database and the machine. Items only the operator knows are printed
 * blank, marked for them to fill in (docs/disclosure.ja.md).
 */
#ifndef SR_DISCLOSURE_H
#define SR_DISCLOSURE_H

#include <stdio.h>

#include "lib/config.h"
#include "store/db.h"

/* Print the sheet, Japanese or English (en), as tab-separated lines:
 * item number, item, answer, and "auto" or "operator". 0 or -1. */
int disclosure_print(const config *c, db *d, FILE *out, int en);

#endif
