/*
 * init.c — start-up of the web layer: catalogs and templates.
 */
#include "lib/i18n.h"
#include "web/page.h"
#include "web/web.h"

int web_init(void)
{
	return web_routes_check() == 0 && i18n_init() == 0 && page_init() == 0 ? 0 : -1;
}
