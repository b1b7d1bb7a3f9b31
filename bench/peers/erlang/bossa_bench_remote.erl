%% bench_erlang_remote [filter]: the remote cases of bench/common/remote_bench_main.h
%% between two Erlang nodes over distribution (tcp on loopback), printed under
%% impl "erlang":
%%   remote_thr  msgs_per_s: a process on the peer node sends the sequence
%%               0 .. N-1 (N = BOSSA_BENCH_REMOTE_MESSAGES, else 1M) to a
%%               counting process here, which checks the order and times the
%%               first to the last
%%   remote_lat  round_trip_us: a process here bounces a number off a process
%%               on the peer node, 1000 untimed round trips, then the mean of
%%               20000 timed ones
%%
%% This node is started by the bench_erlang_remote wrapper, distributed on
%% 127.0.0.1 with a private epmd and a random cookie. Each case starts its
%% own peer node (peer:start, 2 schedulers, the same cookie, epmd and
%% interface), connected to this one over stdin/stdout for control, so it
%% halts when this node goes away, and stops it when the case is done.
%% A case that outlasts 300 s fails the program.
-module(bossa_bench_remote).

-export([main/0, main/1]).
-export([send_sequence/2, echo/1]).  % run on the peer node

-define(DEFAULT_MESSAGES, 1000000).
-define(WARMUP_ROUND_TRIPS, 1000).
-define(TIMED_ROUND_TRIPS, 20000).
-define(CASE_TIMEOUT_SECONDS, 300).
-define(PEER_BOOT_MS, 60000).

-define(CASES, [{"remote_thr", fun remote_thr/0}, {"remote_lat", fun remote_lat/0}]).

%% `erl -run` calls main/0 when it has no arguments for it.
main() ->
    main([""]).

main([Filter]) ->
    bossa_bench_result:run_program("bench_erlang_remote", fun() -> run_cases(Filter) end,
                                   ?CASE_TIMEOUT_SECONDS);
main(_) ->
    io:format(standard_error, "usage: bench_erlang_remote [filter]~n", []),
    erlang:halt(2).

run_cases(Filter) ->
    [begin
         bossa_bench_result:arm_watchdog(?CASE_TIMEOUT_SECONDS),
         Run()
     end || {Bench, Run} <- ?CASES, string:find(Bench, Filter) =/= nomatch].

%% remote_thr: the rate from the first to the last message the counter handles.
remote_thr() ->
    Messages = remote_messages(),
    Done = self(),
    Counter = spawn_link(fun() -> count_sequence(0, Messages, undefined, Done) end),
    Seconds = with_peer(fun(Node) -> spawn(Node, ?MODULE, send_sequence, [Counter, Messages]) end,
                        "the counter to see every message"),
    bossa_bench_result:print("remote_thr", "msgs_per_s", (Messages - 1) / Seconds).

%% Handles Count numbers, which must arrive in order from Next, and tells Done
%% the seconds from the first (0) to the last (or what arrived out of order).
count_sequence(Next, Count, Start, Done) ->
    receive
        Next ->
            Since = case Next of
                        0 -> bossa_bench_result:now_seconds();
                        _ -> Start
                    end,
            case Next + 1 of
                Count -> Done ! {done, bossa_bench_result:now_seconds() - Since};
                Due -> count_sequence(Due, Count, Since, Done)
            end;
        Other ->
            Done ! {failed, io_lib:format("message ~p arrived where ~b was due", [Other, Next])}
    end.

%% On the peer node: sends 0 .. Count-1 to To, as fast as distribution takes
%% them (a sender is suspended while the connection's buffer is full).
send_sequence(To, Count) ->
    send_sequence(To, 0, Count).

send_sequence(_, Count, Count) -> ok;
send_sequence(To, I, Count) ->
    To ! I,
    send_sequence(To, I + 1, Count).

%% remote_lat: the mean of the timed round trips.
remote_lat() ->
    Done = self(),
    Pinger = spawn_link(fun() -> receive {start, Partner} -> bounce(Partner, 0, undefined, Done) end end),
    Seconds = with_peer(fun(Node) -> spawn(Node, ?MODULE, echo, [Pinger]) end, "the round trips"),
    bossa_bench_result:print("remote_lat", "round_trip_us", Seconds * 1.0e6 / ?TIMED_ROUND_TRIPS).

%% Sends Next to Partner and, when it is back, the next one, all the round
%% trips in all; tells Done the seconds the timed ones took.
bounce(Partner, Next, Timed, Done) ->
    Partner ! Next,
    receive
        Next ->
            Due = Next + 1,
            Since = case Due of
                        ?WARMUP_ROUND_TRIPS -> bossa_bench_result:now_seconds();
                        _ -> Timed
                    end,
            case Due of
                ?WARMUP_ROUND_TRIPS + ?TIMED_ROUND_TRIPS ->
                    Done ! {done, bossa_bench_result:now_seconds() - Since};
                _ ->
                    bounce(Partner, Due, Since, Done)
            end;
        Other ->
            Done ! {failed, io_lib:format("sent ~b, got back ~p", [Next, Other])}
    end.

%% On the peer node: announces itself to Pinger and sends back every number.
echo(Pinger) ->
    Pinger ! {start, self()},
    echo_loop(Pinger).

echo_loop(Pinger) ->
    receive N -> Pinger ! N end,
    echo_loop(Pinger).

%% Starts a peer node, calls Start(Node) (which starts the case's processes
%% there), waits for {done, Seconds} and returns Seconds, and stops the peer
%% node. Fails on {failed, Why}, or if the peer node goes down first.
with_peer(Start, WaitingFor) ->
    {ok, Peer, Node} = start_peer(),
    Monitor = erlang:monitor(process, Peer),
    try
        ok = erpc:call(Node, bossa_bench_result, log_to_stderr, []),
        Start(Node),
        receive
            {done, Seconds} -> Seconds;
            {failed, Why} -> bossa_bench_result:fail(Why);
            {'DOWN', Monitor, process, Peer, Reason} ->
                bossa_bench_result:fail(io_lib:format("the peer node ~s went down (~p) while waiting for ~s",
                                                      [Node, Reason, WaitingFor]))
        end
    after
        erlang:demonitor(Monitor, [flush]),
        catch peer:stop(Peer)
    end.

%% A peer node on 127.0.0.1 with this node's cookie, epmd (ERL_EPMD_PORT is
%% inherited) and code path for these modules, controlled over its stdio; on
%% the peer's CPU if BOSSA_BENCH_PIN says so (pinned_exec/0).
start_peer() ->
    BeamDir = filename:dirname(code:which(?MODULE)),
    Options = #{name => peer:random_name(bossa_bench_peer),
                host => "127.0.0.1",
                longnames => true,
                connection => standard_io,
                wait_boot => ?PEER_BOOT_MS,
                args => ["+S", "2", "-setcookie", atom_to_list(erlang:get_cookie()),
                         "-start_epmd", "false",
                         "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                         "-pa", BeamDir]},
    peer:start(maps:merge(Options, pinned_exec())).

%% BOSSA_BENCH_PIN="<measuring cpu>,<peer cpu>" (bench/common/placement.h): the
%% wrapper runs this node on the first CPU; the peer node starts under taskset
%% on the second. Unset, the kernel places both.
pinned_exec() ->
    case os:getenv("BOSSA_BENCH_PIN", "") of
        "" ->
            #{};
        Pin ->
            [_, Cpu] = string:split(Pin, ","),
            #{exec => {os:find_executable("taskset"), ["-c", Cpu, os:find_executable("erl")]}}
    end.

%% remote_thr's message count: BOSSA_BENCH_REMOTE_MESSAGES if set (at least 2:
%% a rate needs a first and a last message), else the default.
remote_messages() ->
    case os:getenv("BOSSA_BENCH_REMOTE_MESSAGES") of
        false ->
            ?DEFAULT_MESSAGES;
        Text ->
            case string:to_integer(Text) of
                {Messages, ""} when Messages >= 2 -> Messages;
                _ -> bossa_bench_result:fail("BOSSA_BENCH_REMOTE_MESSAGES must be a number of at least 2")
            end
    end.
