// ZMTP 3.1 wire constants (RFC 23 / RFC 37).
//
// Every number that goes on the wire lives in this one table. They are fixed by the specifications
// and by the deployed base of ZeroMQ peers: they never change. Pure constants, no state; safe from
// any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bossa::zmtp {

// Greeting: signature (10) version (2) mechanism (20) as-server (1) filler (31) = 64 octets.
inline constexpr std::size_t kGreetingSize = 64;
inline constexpr std::size_t kSignatureSize = 10;
inline constexpr std::uint8_t kSignatureFirst = 0xFF;  // octet 0
inline constexpr std::uint8_t kSignatureLast = 0x7F;   // octet 9; octets 1-8 are padding
inline constexpr std::size_t kVersionMajorOffset = 10;
inline constexpr std::size_t kVersionMinorOffset = 11;
inline constexpr std::size_t kMechanismOffset = 12;
inline constexpr std::size_t kMechanismSize = 20;  // ASCII, null-padded
inline constexpr std::size_t kAsServerOffset = 32;
inline constexpr std::uint8_t kVersionMajor = 3;
inline constexpr std::uint8_t kVersionMinor = 1;

// Frame header: one flags octet, then the size as one octet (short) or 8 octets big-endian (long).
inline constexpr std::uint8_t kFlagMore = 0x01;
inline constexpr std::uint8_t kFlagLong = 0x02;
inline constexpr std::uint8_t kFlagCommand = 0x04;
inline constexpr std::uint8_t kFlagsReserved = 0xF8;  // must be zero
inline constexpr std::size_t kShortHeaderSize = 2;
inline constexpr std::size_t kLongHeaderSize = 9;
inline constexpr std::uint64_t kShortSizeMax = 255;
inline constexpr std::size_t kMaxHeaderSize = kLongHeaderSize;

// Command names (the command body opens with a one-octet name size, then the name).
inline constexpr std::string_view kReady = "READY";
inline constexpr std::string_view kError = "ERROR";
inline constexpr std::string_view kSubscribe = "SUBSCRIBE";
inline constexpr std::string_view kCancel = "CANCEL";
inline constexpr std::string_view kPing = "PING";
inline constexpr std::string_view kPong = "PONG";
// PLAIN (RFC 24) and CURVE (RFC 26) handshake commands, and CURVE's MESSAGE.
inline constexpr std::string_view kHello = "HELLO";
inline constexpr std::string_view kWelcome = "WELCOME";
inline constexpr std::string_view kInitiate = "INITIATE";
inline constexpr std::string_view kMessage = "MESSAGE";

// PING body: a 2-octet big-endian TTL in tenths of a second, then up to 16 octets of context.
inline constexpr std::size_t kPingTtlSize = 2;
inline constexpr std::size_t kPingContextMax = 16;

// Metadata property: name (1-octet size, 1..255 octets), value (4-octet big-endian size, octets).
inline constexpr std::string_view kPropertySocketType = "Socket-Type";
inline constexpr std::string_view kPropertyIdentity = "Identity";
inline constexpr std::size_t kIdentityMax = 255;

// Mechanism names in the greeting.
inline constexpr std::string_view kMechanismNull = "NULL";
inline constexpr std::string_view kMechanismPlain = "PLAIN";
inline constexpr std::string_view kMechanismCurve = "CURVE";

// ZMTP 3.0 peers carry subscriptions as data frames whose first octet is one of these.
inline constexpr std::uint8_t kSubscribePrefix = 0x01;
inline constexpr std::uint8_t kCancelPrefix = 0x00;

}  // namespace bossa::zmtp
