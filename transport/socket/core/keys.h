// Z85 and CURVE key helpers of the socket engine's API, named as libzmq names them
// (zmq_z85_encode, zmq_z85_decode, zmq_curve_keypair, zmq_curve_public). zmtp/keys.h defines them
// and tells the rules; safe from any thread.
//
//   bossa::socket::CurveKeyPair server = bossa::socket::curve_keypair();
//   rep.set(Option::kCurveServer, 1);
//   rep.set(Option::kCurveSecretkey, server.secret_key);
#pragma once

#include "transport/socket/zmtp/keys.h"

namespace bossa::socket {

using zmtp::curve_keypair;
using zmtp::curve_public;
using zmtp::CurveKeyPair;
using zmtp::z85_decode;
using zmtp::z85_encode;

}  // namespace bossa::socket
