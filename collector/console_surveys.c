/* The surveys page (to come: upload with validation, preview, publish,
 * close). */
#include "console_routes.h"

void console_surveys_get(struct console_ctx *c)
{
    page_error(c, CONSOLE_E_NOT_FOUND, NULL);
}

void console_surveys_post(struct console_ctx *c)
{
    page_error(c, CONSOLE_E_NOT_FOUND, NULL);
}
