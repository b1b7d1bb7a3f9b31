%% What bench_erlang_runtime and bench_erlang_remote share: the result line of
%% bench/common/result_line.h, under impl "erlang", a monotonic clock, the
%% process's peak RSS and CPU time as bench/common/peak_rss.h and cpu_time.h
%% measure them, and the frame every program runs in (stderr for the logger,
%% a watchdog, exit status 0 or 1).
%%
%% Result lines are the only thing a program writes to stdout; everything
%% else goes to stderr. All functions may be called from any process.
-module(bossa_bench_result).

-export([print/3, now_seconds/0, peak_rss_bytes/0, process_cpu_seconds/0,
         run_program/3, log_to_stderr/0, arm_watchdog/1, fail/1]).

%% Writes {"bench":Bench,"impl":"erlang","metric":Metric,"value":Value} and a
%% newline to stdout. Bench and Metric are plain ASCII names.
print(Bench, Metric, Value) when is_number(Value) ->
    Line = io_lib:format("{\"bench\":\"~s\",\"impl\":\"erlang\",\"metric\":\"~s\",\"value\":~s}~n",
                         [Bench, Metric, format_number(Value)]),
    ok = io:put_chars(standard_io, Line).

format_number(Value) when is_integer(Value) -> integer_to_list(Value);
format_number(Value) -> float_to_list(Value, [short]).

%% Seconds on the monotonic clock (the steady clock of bench/common/stopwatch.h).
now_seconds() ->
    erlang:monotonic_time(nanosecond) / 1.0e9.

%% The process's peak resident set size so far, in bytes: VmHWM of
%% /proc/self/status, the high-water mark getrusage's ru_maxrss reports.
peak_rss_bytes() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    {match, [KiB]} = re:run(Status, "^VmHWM:\\s*(\\d+) kB", [multiline, {capture, all_but_first, list}]),
    list_to_integer(KiB) * 1024.

%% CPU seconds (user and system, every thread) the process has used: the sum of
%% the threads' run times in /proc/self/task/*/schedstat, in nanoseconds, which
%% is what CLOCK_PROCESS_CPUTIME_ID adds up for the C++ programs (threads that
%% have exited are not counted; the VM's threads live as long as it does).
process_cpu_seconds() ->
    {ok, Tasks} = file:list_dir("/proc/self/task"),
    lists:sum([task_cpu_ns(Task) || Task <- Tasks]) / 1.0e9.

task_cpu_ns(Task) ->
    case file:read_file("/proc/self/task/" ++ Task ++ "/schedstat") of
        {ok, SchedStat} ->
            [RunNs | _] = string:lexemes(SchedStat, " \n"),
            binary_to_integer(RunNs);
        {error, enoent} ->
            0  % the thread exited since the directory was listed
    end.

%% Runs Fun() as program Program and halts the VM: with status 0 when it
%% returns, 1 when it fails or throws (after saying why on stderr). The
%% logger writes to stderr, so that stdout carries result lines only.
run_program(Program, Fun, TimeoutSeconds) ->
    log_to_stderr(),
    arm_watchdog(TimeoutSeconds),
    Status = try Fun() of
                 _ -> 0
             catch
                 throw:{bench_failed, Why} ->
                     io:format(standard_error, "~s: ~s~n", [Program, Why]),
                     1;
                 Class:Reason:Stack ->
                     io:format(standard_error, "~s: ~p:~p~n~p~n", [Program, Class, Reason, Stack]),
                     1
             end,
    erlang:halt(Status).

%% Sends the logger's default handler to stderr instead of stdout.
log_to_stderr() ->
    ok = logger:remove_handler(default),
    ok = logger:add_handler(default, logger_std_h, #{config => #{type => standard_error}}).

%% (Re)arms the watchdog: TimeoutSeconds from now the VM says so on stderr and
%% halts with status 1, unless armed again before.
arm_watchdog(TimeoutSeconds) ->
    case whereis(bossa_bench_watchdog) of
        undefined -> ok;
        Old -> unregister(bossa_bench_watchdog), exit(Old, kill)
    end,
    Watchdog = spawn(fun() ->
                             receive after TimeoutSeconds * 1000 ->
                                     io:format(standard_error, "timed out after ~b s, giving up~n",
                                               [TimeoutSeconds]),
                                     erlang:halt(1)
                             end
                     end),
    true = register(bossa_bench_watchdog, Watchdog),
    ok.

%% Fails the program with a message (run_program reports it).
fail(Why) ->
    throw({bench_failed, Why}).
