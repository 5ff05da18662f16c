/* <bootstrap.h>: Darwin's short name for <servers/bootstrap.h>. */
#ifndef _BOOTSTRAP_H_
#define _BOOTSTRAP_H_

#include <servers/bootstrap.h>

#endif /* _BOOTSTRAP_H_ */
