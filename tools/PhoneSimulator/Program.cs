Console.WriteLine("phone-sim: not built yet");
