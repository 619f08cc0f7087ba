#ifndef STREAMLSTMD_CZMQ_SHIM_H
#define STREAMLSTMD_CZMQ_SHIM_H
#include <zmq.h>
#endif
